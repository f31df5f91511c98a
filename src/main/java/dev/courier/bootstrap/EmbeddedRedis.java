package dev.courier.bootstrap;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import redis.embedded.RedisServer;

/**
 * The embedded default: a real redis-server (6.2, shipped inside the embedded-redis Maven artifact) on
 * a free loopback port, with AOF on and fsync every second, its files under the data folder, so
 * {@code java -jar courier.jar} needs nothing installed and survives a restart with its messages.
 */
public final class EmbeddedRedis implements AutoCloseable {
  private final RedisServer server;
  private final int port;

  private EmbeddedRedis(RedisServer server, int port) {
    this.server = server;
    this.port = port;
  }

  public static EmbeddedRedis start(Path dataDir) throws IOException {
    return start(dataDir, freePort(), true);
  }

  /**
   * @param port a restart on the same port and folder finds its messages again (AOF)
   * @param persistent false for the dev profile: no AOF, in-memory speed, nothing kept
   */
  public static EmbeddedRedis start(Path dataDir, int port, boolean persistent) throws IOException {
    Path dir = dataDir.resolve("redis").toAbsolutePath();
    Files.createDirectories(dir);
    RedisServer server = RedisServer.newRedisServer()
        .bind("127.0.0.1")
        .port(port)
        .setting("dir " + dir)
        .setting(persistent ? "appendonly yes" : "appendonly no")
        .setting("appendfsync everysec")
        .setting("save \"\"")
        .setting("protected-mode yes")
        // Small pending messages stay in the compact listpack encoding: far less memory per message.
        .setting("hash-max-ziplist-value 1024")
        // The AOF rewrite (a fork that dumps the whole dataset) runs on the cores Courier uses. Under steady
        // publishing it costs about as much CPU as Redis's own work, and LZF compression is half of it
        // (1.13M pending messages: 5.9 s of CPU compressed, 2.7 s not, for a 1.7x larger base file; the
        // rewrite also comes less often, since it triggers when the AOF doubles its base). Disk is cheaper.
        .setting("rdbcompression no")
        .onShutdownForceStop(true)
        .build();
    server.start();
    return new EmbeddedRedis(server, port);
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

  @Override
  public void close() throws IOException {
    server.stop();
  }
}
