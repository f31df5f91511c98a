package dev.courier.support;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A node in a JVM of its own ({@code dev.courier.Main}), for what a test JVM cannot do to itself: die, or stop. */
public final class ChildNode {
  /** The line a node prints once it serves; group 1 is its base URL. */
  public static final Pattern LISTENING = Pattern.compile("listening on (https?://\\S+)");

  private ChildNode() {}

  /** Starts {@code dev.courier.Main} with {@code env} added to this JVM's environment, its output merged. */
  public static Process start(Map<String, String> env) throws Exception {
    return start(List.of("-Xmx256m"), env);
  }

  /** @param jvmOptions the child JVM's own options (heap, OOM behaviour), before the class path */
  public static Process start(List<String> jvmOptions, Map<String, String> env) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.courier.Main"));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    return pb.start();
  }

  /** Reads the child's output (and keeps draining it) until it says where it listens. */
  public static String awaitListening(Process child) throws Exception {
    return awaitListening(child, line -> { });
  }

  /** As {@link #awaitListening(Process)}, handing every line of the child's output to {@code lines}, to its end. */
  public static String awaitListening(Process child, java.util.function.Consumer<String> lines) throws Exception {
    CompletableFuture<String> url = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
        String line;
        while ((line = in.readLine()) != null) {
          BlockedThreadGuard.scan(line, "child node"); // its blocked event loops fail the test that owns it
          lines.accept(line);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            url.complete(m.group(1));
          }
        }
      } catch (Exception e) {
        url.completeExceptionally(e);
      }
      url.completeExceptionally(new IllegalStateException("child exited before listening"));
    });
    reader.setDaemon(true);
    reader.start();
    return url.get(60, TimeUnit.SECONDS);
  }
}
