package dev.courier.support;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built {@code target/courier.jar} started as a user starts it: on its embedded defaults, in a folder
 * of its own, on a free port. Its output is echoed (credentials masked) and read for the port and the
 * generated credentials. Closing it sends SIGTERM, so the embedded redis-server stops with it.
 */
public final class JarProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern CREDENTIAL = Pattern.compile("^\\s+(QSTASH_[A-Z_]+)=(\\S+)$");

  private final Process process;
  private final int port;
  private final Map<String, String> credentials;

  private JarProcess(Process process, int port, Map<String, String> credentials) {
    this.process = process;
    this.port = port;
    this.credentials = credentials;
  }

  /** @param args Courier's own arguments, e.g. {@code --dev} */
  public static JarProcess start(Path dir, String... args) throws Exception {
    return start(dir, Map.of(), args);
  }

  /** @param env {@code COURIER_*} settings on top of the embedded defaults */
  public static JarProcess start(Path dir, Map<String, String> env, String... args) throws Exception {
    Path jar = Path.of("target/courier.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError("target/courier.jar is built by `package` before the integration tests run");
    }
    Files.createDirectories(dir);
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("COURIER_") || k.startsWith("QSTASH_"));
    pb.environment().put("COURIER_HTTP_PORT", "0");
    pb.environment().putAll(env);
    Process p = pb.start();
    String prefix = "[courier" + (args.length == 0 ? "" : " " + String.join(" ", args)) + "] ";
    Map<String, String> credentials = new HashMap<>();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    echo(p, line -> {
      System.out.println(prefix + (line.contains("QSTASH_") ? line.replaceAll("=.*", "=…") : line));
      Matcher c = CREDENTIAL.matcher(line);
      if (c.find()) {
        synchronized (credentials) {
          credentials.put(c.group(1), c.group(2));
        }
      }
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        port.complete(Integer.parseInt(m.group(1)));
      }
    }, () -> port.completeExceptionally(new IllegalStateException("courier exited before listening")));
    try {
      return new JarProcess(p, port.get(90, TimeUnit.SECONDS), credentials);
    } catch (Exception e) {
      p.destroyForcibly();
      throw e;
    }
  }

  /**
   * Reads a process's output line by line on a daemon thread; {@code ended} runs when it closes.
   * Never inheritIO() in a test: the forked test JVM's native stdout is Surefire's and Failsafe's channel.
   */
  public static void echo(Process p, Consumer<String> lines, Runnable ended) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.accept(line);
        }
      } catch (Exception e) {
        // the process is gone
      }
      ended.run();
    });
    reader.setDaemon(true);
    reader.start();
  }

  public int port() {
    return port;
  }

  /** The credentials printed at the first start (QSTASH_TOKEN, …_SIGNING_KEY). */
  public Map<String, String> credentials() {
    synchronized (credentials) {
      return new HashMap<>(credentials);
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
