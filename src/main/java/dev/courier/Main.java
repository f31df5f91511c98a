package dev.courier;

import dev.courier.bootstrap.Credentials;
import dev.courier.bootstrap.EmbeddedRedis;
import dev.courier.config.AppConfig;
import dev.courier.config.ConfigException;
import dev.courier.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Starts Courier: maps the configuration, starts the embedded Redis when no {@code redis.url} is set,
 * fills in generated credentials, then starts a node. Usage: {@code java -jar courier.jar [--dev]
 * [--config FILE]}.
 */
public final class Main {
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
    if (config.redis().url() == null) {
      // The dev profile keeps nothing: no AOF, in-memory speed (and the public dev credentials).
      boolean persistent = !config.devProfile();
      embedded = EmbeddedRedis.start(config.dataDir(), EmbeddedRedis.freePort(), persistent);
      config = config.withRedisUrl(embedded.url());
      System.out.println("courier: embedded redis-server on " + embedded.url()
          + (persistent ? ", AOF under " + config.dataDir().resolve("redis").toAbsolutePath() : ", no persistence"));
    }
    var resolved = Credentials.resolve(config);
    config = resolved.config();
    // Printed once, at the start that generated them; they stay in <data-dir>/credentials.properties.
    resolved.announcement().forEach(System.out::println);

    // One event loop per core (Vert.x defaults to two): the API and dispatch instances share them, so
    // fewer threads contend for the cores and fewer hand-offs cross threads.
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)
        .setEventLoopPoolSize(Runtime.getRuntime().availableProcessors()));
    final EmbeddedRedis redis = embedded;
    try {
      Courier node = Courier.start(vertx, config, resolved.keysExplicit()).await();
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
      System.err.println("courier: start-up failed: " + e.getMessage());
      vertx.close();
      closeQuietly(redis);
      System.exit(1);
    }
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
