package dev.courier.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the Gatling suite in {@code load-tests/} from rotting: starts the built jar on its embedded defaults
 * and runs {@code EndToEndSimulation} against it at 50 msg/s for a few seconds through the Gatling Maven
 * plugin ({@code mvn} from PATH; without it this fails, it never skips). The simulation itself fails the run
 * when a publish SLO is missed or an accepted message is not delivered; this test asserts exit code 0.
 */
class GatlingSmokeIT {
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern TOKEN = Pattern.compile("^\\s+QSTASH_TOKEN=(\\S+)$");
  private static final Path PROJECT = Path.of("").toAbsolutePath();
  private static final String SIMULATION = "dev.courier.loadtests.EndToEndSimulation";

  @TempDir
  Path data;
  private Process courier;

  @AfterEach
  void stop() throws Exception {
    if (courier != null) {
      courier.destroy(); // SIGTERM: the shutdown hook stops the embedded redis-server
      if (!courier.waitFor(20, TimeUnit.SECONDS)) {
        courier.destroyForcibly();
      }
    }
  }

  @Test
  void endToEndSimulationRunsClean() throws Exception {
    Path jar = PROJECT.resolve("target/courier.jar");
    assertTrue(Files.isRegularFile(jar), "target/courier.jar is built by `package` before this runs");
    Path pom = PROJECT.resolve("load-tests/pom.xml");
    assertTrue(Files.isRegularFile(pom), "load-tests/pom.xml not found under " + PROJECT);
    String mvn = findOnPath(File.separatorChar == '\\' ? List.of("mvn.cmd", "mvn.bat") : List.of("mvn"));

    String[] token = new String[1];
    int port = startCourier(jar, token);
    assertTrue(token[0] != null, "the first start prints QSTASH_TOKEN");

    long startedAt = System.currentTimeMillis();
    List<String> cmd = List.of(mvn, "-B", "-q", "-f", pom.toString(), "gatling:test",
        "-Dgatling.simulationClass=" + SIMULATION,
        "-Dcourier.url=http://127.0.0.1:" + port,
        "-Dcourier.token=" + token[0],
        "-Drate=50", "-DrampSeconds=1", "-DdurationSeconds=3", "-DdrainSeconds=30",
        "-DmaxP99Ms=2000"); // a cold JVM on a slow CI machine: the smoke checks the suite, not the SLO
    StringBuilder output = new StringBuilder();
    int exit = run(cmd, output, token[0]);
    assertEquals(0, exit, "the Gatling smoke run failed (see its output above)");
    assertTrue(output.toString().contains("==== end-to-end ===="),
        "the simulation's delivery report is missing from the output: did " + SIMULATION + " run?");
    assertTrue(reportWrittenSince(startedAt), "no HTML report under load-tests/target/gatling/");
  }

  /** Starts the jar on its embedded defaults in the temp dir on a free port; returns the port. */
  private int startCourier(Path jar, String[] token) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-jar", jar.toString()).directory(data.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("COURIER_") || k.startsWith("QSTASH_"));
    pb.environment().put("COURIER_HTTP_PORT", "0");
    courier = pb.start();
    Process p = courier;
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
        String line;
        while ((line = in.readLine()) != null) {
          System.out.println("[courier] " + (line.contains("QSTASH_") ? line.replaceAll("=.*", "=…") : line));
          Matcher t = TOKEN.matcher(line);
          if (t.find()) {
            token[0] = t.group(1);
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

  /** Runs {@code cmd} in the project folder, echoing (and keeping) its output; returns the exit code. */
  private static int run(List<String> cmd, StringBuilder output, String secret) throws Exception {
    System.out.println("[gatling] " + String.join(" ", cmd).replace(secret, "…"));
    // Piped and echoed, not inheritIO(): the forked test JVM's native stdout is Failsafe's channel.
    Process p = new ProcessBuilder(cmd).directory(PROJECT.toFile()).redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
        String line;
        while ((line = in.readLine()) != null) {
          System.out.println("[gatling] " + line);
          synchronized (output) {
            output.append(line).append('\n');
          }
        }
      } catch (IOException ignored) {
        // the process is gone
      }
    });
    reader.setDaemon(true);
    reader.start();
    if (!p.waitFor(4, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd).replace(secret, "…") + " timed out");
    }
    reader.join(10_000);
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
