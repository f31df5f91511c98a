package dev.courier.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the SDK conformance suite ({@code conformance/run.mjs}, the official {@code @upstash/qstash} client
 * from {@code package-lock.json}) against the built jar started on its embedded defaults, plus a second
 * one with {@code --dev} for the dev-compat check. Needs Node and npm; without them it fails, it never skips.
 */
class ConformanceIT {
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern CREDENTIAL = Pattern.compile("^\\s+(QSTASH_[A-Z_]+)=(\\S+)$");
  private static final Path PROJECT = Path.of("").toAbsolutePath();

  @TempDir
  Path data;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : started) {
      p.destroy(); // SIGTERM: the shutdown hook stops the embedded redis-server
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void officialClientConformance() throws Exception {
    Path jar = PROJECT.resolve("target/courier.jar");
    assertTrue(Files.isRegularFile(jar), "target/courier.jar is built by `package` before this runs");
    Path suite = PROJECT.resolve("conformance");
    if (!Files.isDirectory(suite.resolve("node_modules/@upstash/qstash"))) {
      assertEquals(0, run(suite, List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of()), "npm ci failed");
    }

    Map<String, String> credentials = new HashMap<>();
    int port = start(jar, data.resolve("main"), List.of(), credentials);
    int devPort = start(jar, data.resolve("dev"), List.of("--dev"), new HashMap<>());
    assertTrue(credentials.keySet().containsAll(List.of("QSTASH_TOKEN", "QSTASH_CURRENT_SIGNING_KEY",
        "QSTASH_NEXT_SIGNING_KEY")), "first start prints the generated credentials: " + credentials.keySet());

    Map<String, String> env = new HashMap<>(credentials);
    env.put("QSTASH_URL", "http://127.0.0.1:" + port);
    env.put("COURIER_DEV_PORT", Integer.toString(devPort));
    assertEquals(0, run(suite, List.of("node", "run.mjs"), env), "conformance checks failed (see output above)");
  }

  /** Starts the jar on its embedded defaults in {@code dir} on a free port; returns the port. */
  private int start(Path jar, Path dir, List<String> args, Map<String, String> credentials) throws Exception {
    Files.createDirectories(dir);
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-jar", jar.toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("COURIER_") || k.startsWith("QSTASH_"));
    pb.environment().put("COURIER_HTTP_PORT", "0");
    Process p = pb.start();
    started.add(p);
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
        String line;
        while ((line = in.readLine()) != null) {
          System.out.println("[courier" + (args.isEmpty() ? "" : " " + String.join(" ", args)) + "] "
              + (line.contains("QSTASH_") ? line.replaceAll("=.*", "=…") : line));
          Matcher c = CREDENTIAL.matcher(line);
          if (c.find()) {
            credentials.put(c.group(1), c.group(2));
          }
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (Exception e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new IllegalStateException("courier exited before listening"));
    });
    reader.setDaemon(true);
    reader.start();
    return port.get(90, TimeUnit.SECONDS);
  }

  private static int run(Path dir, List<String> cmd, Map<String, String> env) throws Exception {
    // Piped and echoed, not inheritIO(): the forked test JVM's native stdout is Failsafe's channel.
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (java.io.IOException e) {
      throw new AssertionError(cmd.get(0) + " is needed for the SDK conformance suite and was not found on PATH ("
          + System.getenv("PATH") + ")", e);
    }
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
      in.lines().forEach(System.out::println);
    }
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " timed out");
    }
    return p.exitValue();
  }
}
