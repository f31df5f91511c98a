package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.JarProcess;
import dev.courier.support.Sink;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first run, tried as a new user would (issue #20), against the built jar: usage and version, a port in use
 * named with the setting to change, credentials a shell can source, and a clean stop that says so without a WARN.
 */
class FirstRunIT {
  @Test
  void helpAndVersionPrintAndExitWithoutStarting(@TempDir Path dir) throws Exception {
    Run help = run(dir, List.of("--help"), null);
    assertEquals(0, help.exit());
    assertTrue(help.output().contains("Usage: java -jar courier.jar"), help.output());
    assertTrue(help.output().contains("--version"), help.output());
    Run version = run(dir, List.of("--version"), null);
    assertEquals(0, version.exit());
    assertTrue(version.output().startsWith("courier "), version.output());
    Run unknown = run(dir, List.of("--hlep"), null);
    assertEquals(2, unknown.exit());
    assertTrue(unknown.output().contains("unknown option --hlep"), unknown.output());
  }

  @Test
  void aPortInUseIsNamedWithItsSettingAndTheGeneratedCredentialsAreKept(@TempDir Path dir) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Run failed = run(dir, List.of(), port);
      assertEquals(1, failed.exit(), failed.output());
      assertTrue(failed.output().contains("port " + port), failed.output());
      assertTrue(failed.output().contains("http.port (COURIER_HTTP_PORT)"), failed.output());
      // The credentials generated at this failed start are not lost: a shell can source them.
      Path env = dir.resolve("data/credentials.env");
      assertTrue(failed.output().contains(env.getFileName().toString()), failed.output());
      assertTrue(sourced(env).contains("QSTASH_TOKEN="), "sourceable: " + Files.readString(env));
    }
  }

  /**
   * The output goes to a file, not a pipe: when a process ends, the JDK takes its pipe from under a thread still
   * reading it ("Stream closed"), and the last lines, those of the stop, were lost.
   */
  @Test
  void credentialsCanBeSourcedAndACleanStopSaysStoppedWithoutAWarning(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("courier.log");
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar",
        Path.of("target/courier.jar").toAbsolutePath().toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("COURIER_") || k.startsWith("QSTASH_"));
    pb.environment().put("COURIER_HTTP_PORT", "0");
    Process courier = pb.start();
    try {
      Sink.waitFor(() -> read(log).contains("listening on http://127.0.0.1:"), 60_000, "courier did not start");
      String started = read(log);
      int port = Integer.parseInt(started.replaceAll("(?s).*listening on http://127\\.0\\.0\\.1:(\\d+).*", "$1"));
      String token = started.replaceAll("(?s).*QSTASH_TOKEN=(\\S+).*", "$1");
      assertTrue(started.contains("credentials for clients and shells: . "), started);
      String sourced = sourced(dir.resolve("data/credentials.env"));
      assertTrue(sourced.contains("QSTASH_TOKEN=" + token), sourced);
      assertTrue(sourced.contains("QSTASH_URL=http://127.0.0.1:" + port), sourced);
      assertTrue(sourced.contains("QSTASH_CURRENT_SIGNING_KEY=sig_"), sourced);
      // Two destinations (two client pools) and a scrape: neither may cost a WARN line.
      var http = java.net.http.HttpClient.newHttpClient();
      for (String destination : List.of("http://127.0.0.1:9/a", "http://localhost:9/b")) {
        var publish = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                + "/v2/publish/" + destination)).header("Authorization", "Bearer " + token)
            .header("Upstash-Retries", "0").POST(java.net.http.HttpRequest.BodyPublishers.ofString("x")).build();
        assertEquals(200, http.send(publish, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
      }
      var metrics = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
          .header("Authorization", "Bearer " + token).build();
      Sink.waitFor(() -> {
        try {
          return http.send(metrics, java.net.http.HttpResponse.BodyHandlers.ofString()).body()
              .contains("courier_messages_dead_lettered_total 2.0");
        } catch (Exception e) {
          return false;
        }
      }, 10_000, "the two messages did not reach the DLQ");
    } finally {
      courier.destroy(); // SIGTERM, as a service manager or Ctrl-C stops it
      assertTrue(courier.waitFor(30, TimeUnit.SECONDS), "courier did not stop");
    }
    String all = read(log);
    assertTrue(all.contains("courier: stopping"), all);
    assertTrue(all.trim().endsWith("courier: stopped"), all);
    assertFalse(all.contains("WARN") || all.contains("ERROR"), all);
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private record Run(int exit, String output) {}

  /** Starts the jar with {@code args} in {@code dir} and waits for it to end (60 s at most). */
  private static Run run(Path dir, List<String> args, Integer port) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target/courier.jar").toAbsolutePath().toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("COURIER_") || k.startsWith("QSTASH_"));
    if (port != null) {
      pb.environment().put("COURIER_HTTP_PORT", port.toString());
    }
    Process p = pb.start();
    StringBuilder out = new StringBuilder();
    JarProcess.echo(p, line -> {
      synchronized (out) {
        out.append(line).append('\n');
      }
    }, () -> {});
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("courier " + args + " did not exit: " + out);
    }
    Thread.sleep(100); // the reader's last lines
    synchronized (out) {
      return new Run(p.exitValue(), out.toString());
    }
  }

  /** What {@code sh} has in its environment after {@code . file}. */
  private static String sourced(Path file) throws IOException, InterruptedException {
    Process sh = new ProcessBuilder("sh", "-c", ". \"$1\" && env | grep '^QSTASH_'", "sh", file.toString())
        .redirectErrorStream(true).start();
    String out = new String(sh.getInputStream().readAllBytes());
    assertEquals(0, sh.waitFor(), out);
    return out;
  }
}
