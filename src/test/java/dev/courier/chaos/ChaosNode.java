package dev.courier.chaos;

import dev.courier.support.ChildNode;
import dev.courier.support.JarProcess;
import dev.courier.support.TestNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

/**
 * A Courier node in a JVM of its own ({@link ChildNode}) that a chaos test can kill, stop or starve: its output
 * is echoed to the test's output with the node's name and kept, so that the test can check what it said
 * ("courier: stopped", an OutOfMemoryError).
 */
final class ChaosNode implements AutoCloseable {
  private final String name;
  private final Process process;
  private final String base;
  private final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
  private final CompletableFuture<Void> outputEnded = new CompletableFuture<>();

  private ChaosNode(String name, Process process, CompletableFuture<String> listening) throws Exception {
    this.name = name;
    this.process = process;
    JarProcess.echo(process, line -> {
      lines.add(line);
      System.out.println("[" + name + "] " + line);
      Matcher m = ChildNode.LISTENING.matcher(line);
      if (m.find()) {
        listening.complete(m.group(1));
      }
    }, () -> {
      listening.completeExceptionally(new IllegalStateException(name + " exited before listening"));
      outputEnded.complete(null);
    });
    try {
      this.base = listening.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /** The environment of a test node on {@code redisUrl} under {@code prefix}, plus {@code extra}. */
  static Map<String, String> env(String redisUrl, String prefix, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(TestNode.env(redisUrl, prefix));
    env.putAll(extra);
    return env;
  }

  /** Starts a node and waits until it listens. */
  static ChaosNode start(String name, List<String> jvmOptions, Map<String, String> env) throws Exception {
    return new ChaosNode(name, ChildNode.start(jvmOptions, env), new CompletableFuture<>());
  }

  static ChaosNode start(String name, Map<String, String> env) throws Exception {
    return start(name, List.of("-Xmx256m"), env);
  }

  /** Starts several nodes at once (JVM start-ups overlap), in the order given. */
  static List<ChaosNode> startAll(List<String> names, Map<String, String> env) throws Exception {
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      processes.add(ChildNode.start(List.of("-Xmx256m"), env));
    }
    List<ChaosNode> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < names.size(); i++) {
        nodes.add(new ChaosNode(names.get(i), processes.get(i), new CompletableFuture<>()));
      }
    } catch (Exception e) {
      processes.forEach(Process::destroyForcibly); // none outlives a failed start
      throw e;
    }
    return nodes;
  }

  String name() {
    return name;
  }

  String base() {
    return base;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Whether a line of its output so far contains {@code text}. */
  boolean said(String text) {
    return lines.stream().anyMatch(l -> l.contains(text));
  }

  List<String> linesWith(String text) {
    return lines.stream().filter(l -> l.contains(text)).toList();
  }

  /** SIGKILL: no shutdown hook, nothing written; returns once the process is gone. */
  void kill9() throws Exception {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " survived SIGKILL");
    }
  }

  /**
   * SIGTERM: the node's shutdown hook stops it. Through the process handle, not {@link Process#destroy()}: that
   * also closes this side of the child's output pipe, so what the node says while it stops ("courier: stopped")
   * was lost.
   */
  void term() {
    process.toHandle().destroy();
  }

  /** Waits for the process to end and its output to be read; false if it still runs after {@code ms}. */
  boolean awaitExit(long ms) throws Exception {
    if (!process.waitFor(ms, TimeUnit.MILLISECONDS)) {
      return false;
    }
    outputEnded.get(5, TimeUnit.SECONDS);
    System.out.println("[" + name + "] exited with " + process.exitValue());
    return true;
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      kill9();
    }
  }
}
