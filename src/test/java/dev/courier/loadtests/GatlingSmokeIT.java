package dev.courier.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.JarProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the Gatling suite in {@code load-tests/} from rotting: starts the built jar on its embedded defaults
 * and runs {@code EndToEndSimulation} against it at 50 msg/s for a few seconds through the Gatling Maven
 * plugin ({@code mvn} from PATH; without it this fails, it never skips). The simulation itself fails the run
 * when a publish SLO is missed or an accepted message is not delivered; this test asserts exit code 0.
 */
class GatlingSmokeIT {
  private static final Path PROJECT = Path.of("").toAbsolutePath();
  private static final String SIMULATION = "dev.courier.loadtests.EndToEndSimulation";

  @TempDir
  Path data;

  @Test
  void endToEndSimulationRunsClean() throws Exception {
    Path pom = PROJECT.resolve("load-tests/pom.xml");
    assertTrue(Files.isRegularFile(pom), "load-tests/pom.xml not found under " + PROJECT);
    String mvn = findOnPath(File.separatorChar == '\\' ? List.of("mvn.cmd", "mvn.bat") : List.of("mvn"));

    try (JarProcess courier = JarProcess.start(data)) {
      String token = courier.credentials().get("QSTASH_TOKEN");
      assertTrue(token != null, "the first start prints QSTASH_TOKEN");
      long startedAt = System.currentTimeMillis();
      List<String> cmd = List.of(mvn, "-B", "-q", "-f", pom.toString(), "gatling:test",
          "-Dgatling.simulationClass=" + SIMULATION,
          "-Dcourier.url=http://127.0.0.1:" + courier.port(),
          "-Dcourier.token=" + token,
          "-Drate=50", "-DrampSeconds=1", "-DdurationSeconds=3", "-DdrainSeconds=30",
          "-DmaxP99Ms=2000"); // a cold JVM on a slow CI machine: the smoke checks the suite, not the SLO
      StringBuilder output = new StringBuilder();
      int exit = run(cmd, output, token);
      assertEquals(0, exit, "the Gatling smoke run failed (see its output above)");
      assertTrue(output.toString().contains("==== end-to-end ===="),
          "the simulation's delivery report is missing from the output: did " + SIMULATION + " run?");
      assertTrue(reportWrittenSince(startedAt), "no HTML report under load-tests/target/gatling/");
    }
  }

  /** Runs {@code cmd} in the project folder, echoing (and keeping) its output; returns the exit code. */
  private static int run(List<String> cmd, StringBuilder output, String secret) throws Exception {
    System.out.println("[gatling] " + String.join(" ", cmd).replace(secret, "…"));
    Process p = new ProcessBuilder(cmd).directory(PROJECT.toFile()).redirectErrorStream(true).start();
    CompletableFuture<Void> ended = new CompletableFuture<>();
    JarProcess.echo(p, line -> {
      System.out.println("[gatling] " + line);
      synchronized (output) {
        output.append(line).append('\n');
      }
    }, () -> ended.complete(null));
    if (!p.waitFor(4, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd).replace(secret, "…") + " timed out");
    }
    ended.get(10, TimeUnit.SECONDS);
    return p.exitValue();
  }

  private static String findOnPath(List<String> names) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        for (String name : names) {
          Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
          if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
            return candidate.toString();
          }
        }
      }
    }
    throw new AssertionError("Maven (" + names.get(0) + ") is needed for the Gatling smoke run and was not found on "
        + "PATH (" + path + ")");
  }

  private static boolean reportWrittenSince(long startedAt) throws IOException {
    Path results = PROJECT.resolve("load-tests/target/gatling");
    if (!Files.isDirectory(results)) {
      return false;
    }
    try (Stream<Path> runs = Files.list(results)) {
      return runs.filter(d -> d.getFileName().toString().startsWith("endtoendsimulation-"))
          .map(d -> d.resolve("index.html"))
          .anyMatch(f -> Files.isRegularFile(f) && f.toFile().lastModified() >= startedAt - 1000);
    }
  }
}
