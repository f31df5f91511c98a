package dev.courier.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.JarProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the SDK conformance suite ({@code conformance/run.mjs}, the official {@code @upstash/qstash} client
 * from {@code package-lock.json}) against the built jar started on its embedded defaults, plus a second
 * one with {@code --dev} for the dev-compat check. Needs Node and npm; without them it fails, it never skips.
 */
class ConformanceIT {
  private static final Path PROJECT = Path.of("").toAbsolutePath();

  @TempDir
  Path data;

  @Test
  void officialClientConformance() throws Exception {
    Path suite = PROJECT.resolve("conformance");
    if (!Files.isDirectory(suite.resolve("node_modules/@upstash/qstash"))) {
      assertEquals(0, run(suite, List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of()), "npm ci failed");
    }
    // A second token (auth.tokens) besides the generated one, which the SDK checks too.
    String second = "conformance-second-" + java.util.UUID.randomUUID();
    try (JarProcess courier = JarProcess.start(data.resolve("main"), Map.of("COURIER_AUTH_TOKENS", second));
        JarProcess dev = JarProcess.start(data.resolve("dev"), "--dev")) {
      Map<String, String> env = new HashMap<>(courier.credentials());
      assertTrue(env.keySet().containsAll(List.of("QSTASH_TOKEN", "QSTASH_CURRENT_SIGNING_KEY",
          "QSTASH_NEXT_SIGNING_KEY")), "first start prints the generated credentials: " + env.keySet());
      env.put("QSTASH_URL", "http://127.0.0.1:" + courier.port());
      env.put("COURIER_DEV_PORT", Integer.toString(dev.port()));
      env.put("COURIER_SECOND_TOKEN", second);
      assertEquals(0, run(suite, List.of("node", "run.mjs"), env), "conformance checks failed (see output above)");
    }
  }

  private static int run(Path dir, List<String> cmd, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (java.io.IOException e) {
      throw new AssertionError(cmd.get(0) + " is needed for the SDK conformance suite and was not found on PATH ("
          + System.getenv("PATH") + ")", e);
    }
    CompletableFuture<Void> ended = new CompletableFuture<>();
    JarProcess.echo(p, System.out::println, () -> ended.complete(null));
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " timed out");
    }
    ended.get(10, TimeUnit.SECONDS);
    return p.exitValue();
  }
}
