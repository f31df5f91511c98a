package dev.courier;

import dev.courier.bootstrap.Credentials;
import dev.courier.bootstrap.DataDirLock;
import dev.courier.bootstrap.EmbeddedRedis;
import dev.courier.config.AppConfig;
import dev.courier.config.ConfigException;
import dev.courier.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Starts Courier: maps the configuration, starts the embedded Redis when no {@code redis.url} is set,
 * fills in generated credentials, then starts a node. Usage: {@code java -jar courier.jar [--dev]
 * [--config FILE]}.
 */
public final class Main {
  /** Referenced for the life of the process: a collected channel would close, and release the lock. */
  private static DataDirLock dataDirLock;

  private Main() {}

  public static void main(String[] args) throws Exception {
    List<String> argv = Arrays.asList(args);
    boolean dev = argv.contains("--dev");
    int c = argv.indexOf("--config");
    Path file = c >= 0 && c + 1 < argv.size() ? Path.of(argv.get(c + 1)) : null;

    AppConfig config;
    try {
      config = ConfigLoader.load(System.getenv(), file, dev);
    } catch (ConfigException e) {
      System.err.println("courier: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }

    EmbeddedRedis embedded = null;
    Credentials.Resolved resolved;
    try {
      if (config.redis().url() == null) {
        // Held for the life of the process (the OS releases it however the process ends).
        dataDirLock = DataDirLock.acquire(config.dataDir());
        // The dev profile keeps nothing: no AOF, in-memory speed (and the public dev credentials).
        boolean persistent = !config.devProfile();
        embedded = EmbeddedRedis.start(config.dataDir(), EmbeddedRedis.freePort(), persistent);
        config = config.withRedisUrl(embedded.url());
        System.out.println("courier: embedded redis-server on " + embedded.url()
            + (persistent ? ", AOF under " + config.dataDir().resolve("redis").toAbsolutePath() : ", no persistence"));
      }
      resolved = Credentials.resolve(config);
    } catch (IOException | RuntimeException e) {
      // A data dir that cannot be written, a second node on it: one line that says so, not a stack trace.
      System.err.println("courier: start-up failed: " + describe(e));
      closeQuietly(embedded);
      System.exit(1);
      return;
    }
    config = resolved.config();

    // One event loop per core (Vert.x defaults to two): the API and dispatch instances share them, so
    // fewer threads contend for the cores and fewer hand-offs cross threads.
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)
        .setEventLoopPoolSize(Runtime.getRuntime().availableProcessors()));
    final EmbeddedRedis redis = embedded;
    try {
      Courier node = Courier.start(vertx, config, resolved.keysExplicit()).await();
      // Printed once, at the start that generated them (they stay in <data-dir>/credentials.properties), and
      // only now: the node has adopted the deployment's signing keys.
      resolved.announcement(node.signingKeys()).forEach(System.out::println);
      System.out.println("courier: listening on http://" + config.http().host() + ":" + node.port()
          + (config.devProfile() ? " (dev profile: public development credentials)" : "")
          + (vertx.isNativeTransportEnabled() ? "" : " (NIO transport: epoll unavailable)"));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          node.stop().await();
          vertx.close().await();
        } catch (Exception e) {
          // shutting down anyway
        }
        closeQuietly(redis);
      }));
    } catch (Exception e) {
      System.err.println("courier: start-up failed: " + describe(e));
      vertx.close();
      closeQuietly(redis);
      System.exit(1);
    }
  }

  /** The exception in one line; the class name says what a bare message like a path would not. */
  private static String describe(Exception e) {
    String message = e.getMessage();
    if (e instanceof IllegalStateException && message != null) {
      return message;
    }
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static void closeQuietly(EmbeddedRedis redis) {
    if (redis != null) {
      try {
        redis.close();
      } catch (Exception e) {
        // the process is ending
      }
    }
  }
}
