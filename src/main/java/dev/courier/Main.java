package dev.courier;

import dev.courier.bootstrap.Credentials;
import dev.courier.bootstrap.DataDirLock;
import dev.courier.bootstrap.EmbeddedRedis;
import dev.courier.bootstrap.LogFormat;
import dev.courier.config.AppConfig;
import dev.courier.config.ConfigException;
import dev.courier.config.ConfigLoader;
import dev.courier.metrics.VertxMetricsSetup;
import dev.courier.signing.SigningKeys;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
  private static final org.slf4j.Logger LIFECYCLE = org.slf4j.LoggerFactory.getLogger("courier");
  private static volatile boolean jsonLog;

  private Main() {}

  static final String USAGE = """
      Usage: java -jar courier.jar [--dev] [--config FILE]
             java -jar courier.jar --help | --version

        --dev          development profile: the QStash dev server's public credentials, no persistence,
                       loopback only (what the SDKs' QSTASH_DEV mode talks to)
        --config FILE  a YAML file over the built-in defaults (default: ./conf/courier.yaml if present,
                       or the file COURIER_CONFIG names)
        --help         this text
        --version      the version

      Every setting can also be given as an environment variable COURIER_<PATH> (redis.url is
      COURIER_REDIS_URL); QSTASH_TOKEN and QSTASH_*_SIGNING_KEY are read too. See conf/courier.yaml.
      """;

  public static void main(String[] args) throws Exception {
    List<String> argv = Arrays.asList(args);
    if (argv.contains("--help") || argv.contains("-h")) {
      System.out.print(USAGE);
      return;
    }
    if (argv.contains("--version")) {
      System.out.println("courier " + version());
      return;
    }
    for (String a : argv) {
      if (a.startsWith("-") && !a.equals("--dev") && !a.equals("--config")) {
        System.err.println("courier: unknown option " + a + "\n" + USAGE);
        System.exit(2);
      }
    }
    boolean dev = argv.contains("--dev");
    int c = argv.indexOf("--config");
    Path file = c >= 0 && c + 1 < argv.size() ? Path.of(argv.get(c + 1)) : null;

    AppConfig config;
    try {
      config = ConfigLoader.load(System.getenv(), file, dev);
      LogFormat.apply(config.log().format());
      jsonLog = LogFormat.JSON.equals(config.log().format());
      ConfigLoader.unknownVariables(System.getenv()).forEach(w -> warn("warning: " + w));
    } catch (ConfigException e) {
      warn("configuration error: " + e.getMessage());
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
        say("embedded redis-server on " + embedded.url()
            + (persistent ? ", AOF under " + config.dataDir().resolve("redis").toAbsolutePath() : ", no persistence"));
      }
      resolved = Credentials.resolve(config);
    } catch (IOException | RuntimeException e) {
      // A data dir that cannot be written, a second node on it: one line that says so, not a stack trace.
      warn("start-up failed: " + describe(e));
      closeQuietly(embedded);
      System.exit(1);
      return;
    }
    config = resolved.config();
    try {
      // Before the node starts: a start that fails (a port in use) must not leave generated credentials unseen.
      Credentials.writeEnvFile(config, config.http().port(), new SigningKeys(config.signing().currentKey(),
          config.signing().nextKey()), resolved);
    } catch (IOException e) {
      warn("warning: could not write the credentials env file: " + e.getMessage());
    }

    // One event loop per core (Vert.x defaults to two): the API and dispatch instances share them, so
    // fewer threads contend for the cores and fewer hand-offs cross threads.
    var vertxOptions = new VertxOptions().setPreferNativeTransport(true)
        .setEventLoopPoolSize(Runtime.getRuntime().availableProcessors());
    // Vert.x's own metrics must be chosen as the Vertx is built: on the registry /metrics shows.
    PrometheusMeterRegistry registry = config.metrics().enabled()
        ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
    Vertx vertx = registry != null ? VertxMetricsSetup.vertx(vertxOptions, registry) : Vertx.vertx(vertxOptions);
    final EmbeddedRedis redis = embedded;
    try {
      Courier node = Courier.start(vertx, config, resolved.keysExplicit(), registry).await();
      // Before anything says the node is up: a SIGTERM sent as soon as "listening on" shows (by a supervisor, a
      // test) must find the hook in place, or the JVM refuses it ("Shutdown in progress") and the node is not
      // stopped cleanly (LogFormatTest met it).
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        say("stopping (the attempts in flight finish first)");
        try {
          node.stop().await();
          vertx.close().await();
        } catch (Exception e) {
          // shutting down anyway
        }
        closeQuietly(redis);
        say("stopped");
      }));
      // Printed once, at the start that generated them (they stay in <data-dir>/credentials.properties), and
      // only now: the node has adopted the deployment's signing keys.
      resolved.announcement(node.signingKeys()).forEach(Main::announce);
      say(summary(config));
      Path env = Credentials.writeEnvFile(config, node.port(), node.signingKeys(), resolved);
      if (env != null) {
        say("credentials for clients and shells: . " + env);
      }
      say("listening on " + config.http().scheme() + "://" + config.http().host() + ":" + node.port()
          + (config.devProfile() ? " (dev profile: public development credentials)" : "")
          + (vertx.isNativeTransportEnabled() ? "" : " (NIO transport: epoll unavailable)"));
    } catch (Exception e) {
      warn("start-up failed: " + describe(e));
      if (resolved.tokenGenerated() || resolved.keysGenerated()) {
        // Generated now and not printed (the node never ran): say where they are, or a second start would
        // find them, print nothing, and leave the user without a token.
        warn("the credentials generated for this data folder are kept in "
            + config.dataDir().resolve(Credentials.ENV_FILE) + " (. " + config.dataDir().resolve(Credentials.ENV_FILE)
            + " sets them in a shell)");
      }
      vertx.close();
      closeQuietly(redis);
      System.exit(1);
    }
  }

  /**
   * A lifecycle line of the node: {@code courier: <line>} on stdout (stderr for a problem), or with
   * {@code log.format: json} a log event like every other, so that a log shipper reads one format.
   */
  private static void say(String line) {
    if (jsonLog) {
      LIFECYCLE.info(line);
    } else {
      System.out.println("courier: " + line);
    }
  }

  private static void warn(String line) {
    if (jsonLog) {
      LIFECYCLE.warn(line);
    } else {
      System.err.println("courier: " + line);
    }
  }

  /** The credentials block printed at the start that generated them: as it is, or one event per line. */
  private static void announce(String line) {
    if (jsonLog) {
      LIFECYCLE.info(line);
    } else {
      System.out.println(line);
    }
  }

  /** The settings an operator checks first, in one line, with no secret (the Redis URL's password is cut). */
  static String summary(AppConfig c) {
    return "version " + version() + ", redis " + (c.redis().url() == null ? "embedded" : AppConfig.redactUrl(c.redis().url()))
        + " (" + c.redis().shards() + (c.redis().shards() == 1 ? " shard" : " shards") + ", prefix "
        + c.redis().keyPrefix() + "), delivery.max-in-flight " + c.delivery().maxInFlight() + ", delivery.direct "
        + c.delivery().direct() + ", metrics " + (c.metrics().enabled() ? "on (/metrics" + (c.metrics().auth()
            ? ", token)" : ", no token)") : "off") + ", health probes " + (c.http().healthAuth() ? "with" : "without")
        + " token, " + c.auth().accepted().size() + (c.auth().accepted().size() == 1 ? " API token" : " API tokens")
        + ", tls " + (c.http().tls() == null ? "off" : "on (" + c.http().tls().certPath() + ")") + ", data-dir "
        + c.dataDir();
  }

  /** The jar's version (its manifest), or "development" when run from classes. */
  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v != null ? v : "development build";
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
