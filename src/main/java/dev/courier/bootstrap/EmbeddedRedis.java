package dev.courier.bootstrap;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * The embedded default: a real redis-server (6.2, shipped inside the embedded-redis Maven artifact) on
 * a free loopback port, with AOF on and fsync every second, its files under the data folder, so
 * {@code java -jar courier.jar} needs nothing installed and survives a restart with its messages.
 */
public final class EmbeddedRedis implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
  private static final String PID_FILE = "redis.pid";
  /** Restarts of a server that keeps dying, within a minute, before giving up (a corrupt AOF, a full disk). */
  private static final int MAX_RESTARTS = 5;

  private final Path dir;
  private final int port;
  private final boolean persistent;
  private RedisServer server;
  private boolean closed;
  private final java.util.ArrayDeque<Long> restarts = new java.util.ArrayDeque<>();

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
    server = RedisServer.newRedisServer()
        .bind("127.0.0.1")
        .port(port)
        .setting("dir " + dir)
        .setting("pidfile " + dir.resolve(PID_FILE))
        .setting(persistent ? "appendonly yes" : "appendonly no")
        .setting("appendfsync everysec")
        .setting("save \"\"")
        .setting("protected-mode yes")
        // Dead letters (a hash each) stay in the compact listpack encoding: far less memory per letter. (A
        // shard's message hash is compact too while it holds at most 128 entries, then a hashtable.)
        .setting("hash-max-ziplist-value 1024")
        // The AOF rewrite (a fork that dumps the whole dataset) runs on the cores Courier uses. Under steady
        // publishing it costs about as much CPU as Redis's own work, and LZF compression is half of it
        // (1.13M pending messages: 5.9 s of CPU compressed, 2.7 s not, for a 1.7x larger base file; the
        // rewrite also comes less often, since it triggers when the AOF doubles its base). Disk is cheaper.
        .setting("rdbcompression no")
        // No shutdown hook of the library's own: it ran beside Courier's and stopped Redis before the
        // node had written its last outcomes. Whoever starts the server stops it (Main: after the node).
        .onShutdownForceStop(false)
        .build();
    server.start();
    pid(dir).flatMap(ProcessHandle::of).ifPresent(h -> h.onExit().thenRun(() -> exited(h.pid())));
  }

  /** Its own process ended: unless closed, say so and start it again, so the node does not 503 forever. */
  private synchronized void exited(long pid) {
    if (closed) {
      return;
    }
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
      server.stop();
    } catch (IOException | RuntimeException e) {
      // already gone
    }
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

  @Override
  public synchronized void close() throws IOException {
    closed = true;
    server.stop();
  }
}
