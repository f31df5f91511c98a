package dev.courier.bootstrap;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

/**
 * The embedded default: a real redis-server (6.2, shipped inside the embedded-redis Maven artifact) on
 * a free loopback port, with AOF on and fsync every second, its files under the data folder, so
 * {@code java -jar courier.jar} needs nothing installed and survives a restart with its messages.
 *
 * <p>The embedded-redis library only provides the binary: this class runs the process itself. The
 * library's own start registers a JVM shutdown hook that stops Redis (whatever its force-stop option
 * says), so a SIGTERM stopped Redis while the node was still writing the outcomes of the attempts it
 * drains, and the watcher below then restarted a Redis nobody stopped. Whoever starts the server stops
 * it: {@code Main}, after the node.
 */
public final class EmbeddedRedis implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
  private static final String PID_FILE = "redis.pid";
  /** Restarts of a server that keeps dying, within a minute, before giving up (a corrupt AOF, a full disk). */
  private static final int MAX_RESTARTS = 5;
  /** What redis-server prints once it has loaded its AOF and serves. */
  private static final String READY = "Ready to accept connections";
  /** A large AOF loads before Redis serves: a million pending messages take seconds. */
  private static final long START_TIMEOUT_SECONDS = 120;
  /** Lines of its output kept to explain a server that would not start. */
  private static final int TAIL_LINES = 20;
  /**
   * util-linux's setsid, when there is one: redis-server then runs in a session of its own, so the Ctrl-C
   * of a terminal (SIGINT to the whole foreground group) reaches only the JVM, which stops the node and
   * then Redis. Without it Redis went down at once and the watcher restarted it under the stopping node.
   * setsid execs in place (a child of the JVM leads no group), so the pid stays the server's.
   */
  static final Optional<String> SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
      .filter(f -> Files.isExecutable(Path.of(f))).findFirst();

  /** The extracted binary, once per JVM. */
  private static String binary;

  private final Path dir;
  private final int port;
  private final boolean persistent;
  private Process process;
  private boolean closed;
  private final ArrayDeque<Long> restarts = new ArrayDeque<>();

  private EmbeddedRedis(Path dir, int port, boolean persistent) {
    this.dir = dir;
    this.port = port;
    this.persistent = persistent;
  }

  public static EmbeddedRedis start(Path dataDir) throws IOException {
    return start(dataDir, freePort(), true);
  }

  /**
   * Starts the server, after stopping one that a previous run left behind on the same folder (a JVM
   * killed with SIGKILL cannot stop its child): two servers appending to one AOF lose writes. The caller
   * holds the data folder's lock (see {@link DataDirLock}), so such a server belongs to no running node.
   * A server that dies later is restarted on the same port from its AOF.
   *
   * @param port a restart on the same port and folder finds its messages again (AOF)
   * @param persistent false for the dev profile: no AOF, in-memory speed, nothing kept
   */
  public static EmbeddedRedis start(Path dataDir, int port, boolean persistent) throws IOException {
    Path dir = dataDir.resolve("redis").toAbsolutePath();
    Files.createDirectories(dir);
    stopLeftover(dir);
    EmbeddedRedis redis = new EmbeddedRedis(dir, port, persistent);
    redis.launch();
    return redis;
  }

  private synchronized void launch() throws IOException {
    List<String> command = new ArrayList<>(SETSID.map(List::of).orElse(List.of()));
    command.addAll(List.of(binary(), "--bind", "127.0.0.1", "--port", Integer.toString(port),
        "--dir", dir.toString(), "--pidfile", dir.resolve(PID_FILE).toString(),
        "--appendonly", persistent ? "yes" : "no", "--appendfsync", "everysec", "--save", "",
        "--protected-mode", "yes",
        // Dead letters (a hash each) stay in the compact listpack encoding: far less memory per letter.
        "--hash-max-ziplist-value", "1024",
        // ... but a shard's message hash becomes a hashtable past 32 entries: in the compact encoding
        // every HSET and HDEL walks and moves the whole list: about 5.5 µs a call at 500 entries, against
        // 0.4-0.7 µs in a hashtable (load-tests/scripts/compact-hash.py).
        "--hash-max-ziplist-entries", "32",
        // The AOF rewrite (a fork that dumps the whole dataset) runs on the cores Courier uses. Under steady
        // publishing it costs about as much CPU as Redis's own work, and LZF compression is half of it
        // (1.13M pending messages: 5.9 s of CPU compressed, 2.7 s not, for a 1.7x larger base file; the
        // rewrite also comes less often, since it triggers when the AOF doubles its base). Disk is cheaper.
        "--rdbcompression", "no"));
    Process started = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    ArrayDeque<String> tail = new ArrayDeque<>();
    Thread reader = new Thread(() -> drain(started, ready, tail), "redis-server-output");
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      started.destroyForcibly();
      String said;
      synchronized (tail) {
        said = String.join(" | ", tail);
      }
      throw new IOException("redis-server did not start on port " + port + ": " + (said.isEmpty() ? e : said));
    }
    process = started;
    started.onExit().thenRun(() -> exited(started));
  }

  /** Reads the server's output for as long as it runs (a full pipe would block it), noting when it is ready. */
  private static void drain(Process p, CompletableFuture<Void> ready, ArrayDeque<String> tail) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!ready.isDone()) {
          synchronized (tail) {
            tail.addLast(line.trim());
            if (tail.size() > TAIL_LINES) {
              tail.removeFirst();
            }
          }
          if (line.contains(READY)) {
            ready.complete(null);
          }
        }
      }
    } catch (IOException e) {
      // the process ended
    }
    ready.completeExceptionally(new IOException("redis-server exited"));
  }

  /** The redis-server shipped in the embedded-redis artifact, extracted once per JVM. */
  private static synchronized String binary() throws IOException {
    if (binary == null) {
      binary = ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
    }
    return binary;
  }

  /** Its own process ended: unless closed, say so and start it again, so the node does not 503 forever. */
  private synchronized void exited(Process ended) {
    if (closed || ended != process) {
      return;
    }
    long pid = ended.pid();
    long now = System.currentTimeMillis();
    restarts.addLast(now);
    while (!restarts.isEmpty() && restarts.peekFirst() < now - 60_000) {
      restarts.removeFirst();
    }
    if (restarts.size() > MAX_RESTARTS) {
      LOG.error("embedded redis-server (pid {}) exited again: {} restarts within a minute, giving up; publishes get 503"
          + " until Courier is restarted", pid, MAX_RESTARTS);
      return;
    }
    LOG.error("embedded redis-server (pid {}) exited unexpectedly; restarting it on port {} from {}", pid, port, dir);
    try {
      launch();
      LOG.info("embedded redis-server restarted on port {}", port);
    } catch (IOException | RuntimeException e) {
      LOG.error("embedded redis-server could not be restarted: {}", e.getMessage());
    }
  }

  /**
   * Stops a redis-server left running on {@code dir} by a run that died: the pid in its pid file, if that
   * process is alive and works in {@code dir} (so a reused pid of another process is left alone).
   */
  private static void stopLeftover(Path dir) {
    Optional<ProcessHandle> leftover = pid(dir).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive)
        .filter(h -> worksIn(h.pid(), dir));
    if (leftover.isEmpty()) {
      return;
    }
    ProcessHandle h = leftover.get();
    LOG.warn("stopping redis-server pid {}, left running on {} by a previous run", h.pid(), dir);
    h.destroy(); // SIGTERM: Redis flushes its AOF and exits
    try {
      h.onExit().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      h.destroyForcibly();
    }
  }

  private static Optional<Long> pid(Path dir) {
    try {
      return Optional.of(Long.parseLong(Files.readString(dir.resolve(PID_FILE)).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean worksIn(long pid, Path dir) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")).toRealPath()
          .equals(dir.toRealPath());
    } catch (IOException | RuntimeException e) {
      return false; // no /proc (not Linux), or not ours to read: leave it
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** For tests: leaves the server running and unwatched, as a JVM killed with SIGKILL does. */
  synchronized void abandon() {
    closed = true;
  }

  /** Stops the server: SIGTERM, so that Redis writes out its AOF, and a kill if it takes over 30 s. */
  @Override
  public synchronized void close() throws IOException {
    closed = true;
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
