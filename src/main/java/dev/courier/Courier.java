package dev.courier;

import dev.courier.api.ApiVerticle;
import dev.courier.api.BodyBudget;
import dev.courier.api.ConnectionLimit;
import dev.courier.api.ScheduledPublisher;
import dev.courier.bootstrap.EmbeddedRedis;
import dev.courier.config.AppConfig;
import dev.courier.dispatch.DeliveryBatch;
import dev.courier.dispatch.DispatchCredit;
import dev.courier.dispatch.DirectDispatch;
import dev.courier.dispatch.DispatchVerticle;
import dev.courier.dispatch.Handoff;
import dev.courier.dispatch.LeaseTokens;
import dev.courier.eventlog.EventLogVerticle;
import dev.courier.eventlog.EventStore;
import dev.courier.eventlog.EventStoreConfig;
import dev.courier.eventlog.WriterPacing;
import dev.courier.bus.LocalCodec;
import dev.courier.metrics.BacklogSampler;
import dev.courier.metrics.CourierMetrics;
import dev.courier.model.Ids;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.courier.redis.Keys;
import dev.courier.redis.Layout2Migration;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import dev.courier.schedules.SchedulerVerticle;
import dev.courier.dlq.DeadLetterTrimVerticle;
import dev.courier.topics.TopicCache;
import dev.courier.signing.KeyRefreshVerticle;
import dev.courier.signing.SigningKeyStore;
import dev.courier.signing.SigningKeys;
import dev.courier.wheel.Wakeup;
import dev.courier.wheel.WheelVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Courier node on a {@link Vertx}: loads the scripts, agrees on the signing keys through Redis, then
 * deploys the dispatchers, the wheel and the API. Used by {@link Main} and by tests, which start real
 * nodes in-process.
 */
public final class Courier {
  private static final Logger LOG = LoggerFactory.getLogger(Courier.class);
  private final Vertx vertx;
  /** Deployment ids by role, in the order they were deployed. */
  private final Map<Role, String> deployments;
  private final CourierMetrics metrics;
  private Future<Void> stopped;
  private final int port;
  private final SigningKeyStore signingKeys;
  private final BodyBudget bodies;
  private final ConnectionLimit connections;
  private final DispatchCredit credit;

  /** What a node deploys, in the order it deploys them. */
  private enum Role { EVENT_LOG, DISPATCHERS, KEY_REFRESH, DLQ_TRIM, BACKLOG_SAMPLER, API, WHEEL, SCHEDULER }

  /** The event log's database; null when the event log is off. */
  private final EventStore events;

  private Courier(Vertx vertx, Map<Role, String> deployments, int port, SigningKeyStore signingKeys,
      BodyBudget bodies, ConnectionLimit connections, CourierMetrics metrics, EventStore events, DispatchCredit credit) {
    this.vertx = vertx;
    this.credit = credit;
    this.events = events;
    this.metrics = metrics;
    this.deployments = deployments;
    this.port = port;
    this.signingKeys = signingKeys;
    this.bodies = bodies;
    this.connections = connections;
  }

  /**
   * @param config complete: a Redis URL, a token and a key pair
   * @param keysExplicit whether the keys were configured (they then overwrite the pair in Redis)
   */
  public static Future<Courier> start(Vertx vertx, AppConfig config, boolean keysExplicit) {
    return start(vertx, config, keysExplicit, null);
  }

  /**
   * @param registry the registry the Vertx reports its own metrics to ({@code VertxMetricsSetup}), so that one
   *     {@code /metrics} shows both; null for a registry of the node's own (Courier's and the JVM's series only)
   */
  public static Future<Courier> start(Vertx vertx, AppConfig config, boolean keysExplicit,
      PrometheusMeterRegistry registry) {
    return start(vertx, config, keysExplicit, registry, Clock.systemUTC());
  }

  /** @param clock when schedules fire (and are created): tests move it instead of waiting minutes */
  public static Future<Courier> start(Vertx vertx, AppConfig config, boolean keysExplicit,
      PrometheusMeterRegistry registry, Clock clock) {
    AppConfig cfg = config.http().port() == 0 ? config.withHttpPort(freePort()) : config;
    Keys keys = new Keys(cfg.redis().keyPrefix(), cfg.redis().shards(), cfg.eventLog().enabled());
    try {
      vertx.eventBus().registerDefaultCodec(DeliveryBatch.class, new LocalCodec<>(DeliveryBatch.class));
    } catch (IllegalStateException alreadyRegistered) {
      // a second node on the same Vertx (tests): the codec is shared
    }
    var store = new SigningKeyStore(keys, new SigningKeys(cfg.signing().currentKey(), cfg.signing().nextKey()));
    var credit = new DispatchCredit(cfg.delivery().maxInFlight());
    var wakeup = new Wakeup();
    String node = Ids.token(8);
    var tokens = new LeaseTokens(node);
    int cores = Runtime.getRuntime().availableProcessors();
    int dispatchers = cfg.delivery().dispatchers();
    int apis = cfg.http().instances() > 0 ? cfg.http().instances() : cores;
    var handoff = new Handoff(vertx, dispatchers, node);
    var direct = cfg.delivery().direct()
        ? new DirectDispatch(credit, tokens, handoff, cfg.delivery().leaseGraceMs(),
        cfg.delivery().directWaitMs()) : null;
    // One budget for the node: every API event loop buffers bodies from the same heap.
    var bodies = new BodyBudget(cfg.limits().maxBodyBytesInFlight(), cfg.limits().maxBodySize());
    var connections = new ConnectionLimit(cfg.http().maxConnections(), cfg.limits().maxHeaderSize());
    var topicCache = new TopicCache();
    Map<Role, String> ids = new EnumMap<>(Role.class);
    CourierMetrics metrics = !cfg.metrics().enabled() ? CourierMetrics.disabled()
        : CourierMetrics.enabled(registry != null ? registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    metrics.bindCredit(credit, cfg.delivery().maxInFlight());

    RedisConnector bootstrap = new RedisConnector(vertx, cfg.redis().url());
    ScriptRunner scripts = new ScriptRunner(bootstrap);
    EventStore[] eventStore = new EventStore[1];
    return openEventLog(vertx, cfg).onSuccess(s -> eventStore[0] = s)
        .compose(v -> scripts.loadAll())
        .compose(v -> checkShardCount(bootstrap, keys))
        .compose(v -> store.seed(scripts, keysExplicit))
        .eventually(bootstrap::close)
        // The writer first: the outbox's consumer group exists before any script writes to it.
        .compose(v -> eventStore[0] == null ? Future.succeededFuture() : deploy(vertx, ids, Role.EVENT_LOG,
            () -> new EventLogVerticle(cfg.eventLog(), cfg.redis().url(), keys, eventStore[0], node, metrics,
                new WriterPacing(() -> credit.free() < cfg.delivery().maxInFlight(),
                    cfg.eventLog().writerBusyCpuPercent(), cfg.eventLog().writerBusyLoopsPercent())), 1))
        // The wheel (which claims messages and returns expired leases) starts last: a node whose port is
        // taken fails at the API and must not have claimed anything by then.
        .compose(v -> deploy(vertx, ids, Role.DISPATCHERS, () -> new DispatchVerticle(cfg, keys, store, credit, handoff,
            wakeup::gateReady, direct, metrics), dispatchers))
        .compose(v -> deploy(vertx, ids, Role.KEY_REFRESH, () -> new KeyRefreshVerticle(cfg.redis().url(), store), 1))
        .compose(v -> deploy(vertx, ids, Role.DLQ_TRIM,
            () -> new DeadLetterTrimVerticle(cfg.redis().url(), keys, cfg.dlq().retentionMs()), 1))
        // Deployed with metrics off too: it is also what logs "redis lost" and "redis back".
        .compose(v -> deploy(vertx, ids, Role.BACKLOG_SAMPLER,
            () -> new BacklogSampler(cfg.redis().url(), keys, metrics.backlog(), cfg.metrics().sampleIntervalMs(),
                cfg.metrics().enabled()), 1))
        .compose(v -> deploy(vertx, ids, Role.API, () -> new ApiVerticle(cfg, keys, store, wakeup, direct, bodies,
            connections, topicCache, credit, metrics, eventStore[0], clock), apis))
        .compose(v -> deploy(vertx, ids, Role.WHEEL,
            () -> new WheelVerticle(cfg, keys, credit, wakeup, tokens, handoff, metrics), 1))
        .compose(v -> deploy(vertx, ids, Role.SCHEDULER, () -> new SchedulerVerticle(cfg.redis().url(), keys, clock,
            cfg.schedules().pollIntervalMs(), ScheduledPublisher.factory(cfg, keys, wakeup, topicCache, metrics), metrics), 1))
        .map(v -> new Courier(vertx, ids, cfg.http().port(), store, bodies, connections, metrics, eventStore[0],
            credit))
        // A node that failed half-way (a port in use) gives back what it deployed: nothing of it keeps running.
        .recover(err -> undeployAll(vertx, ids).eventually(() -> {
          metrics.close();
          if (eventStore[0] != null) {
            eventStore[0].close();
          }
          return Future.succeededFuture();
        }).compose(v -> Future.failedFuture(portInUse(err, cfg))));
  }

  /** The event log's database, migrated; null when the event log is off. */
  private static Future<EventStore> openEventLog(Vertx vertx, AppConfig cfg) {
    var log = cfg.eventLog();
    if (!log.enabled()) {
      return Future.succeededFuture();
    }
    var storeConfig = log.dbUrl() == null
        ? new EventStoreConfig(EventStoreConfig.h2Default(cfg.dataDir()), null, null, 4, log.retentionMs())
        : new EventStoreConfig(log.dbUrl(), log.dbUser(), log.dbPassword(), 4, log.retentionMs());
    return EventStore.open(vertx, storeConfig);
  }

  /**
   * The first node on a Redis records its shard count and storage layout; a node with another one refuses
   * to start. A node with a different count looked for messages in other shards: what the others stored
   * became invisible to its API and, once they stopped, was never claimed. A node of another layout would
   * misread (or not see) every stored message.
   */
  private static Future<Void> checkShardCount(RedisConnector redis, Keys keys) {
    String mine = keys.deploymentTag();
    return redis.send(Request.cmd(Command.GET).arg(keys.shardCount()))
        .compose(recorded -> recorded != null ? Future.succeededFuture() : refuseUnrecordedMessages(redis, keys))
        .compose(v -> redis.send(Request.cmd(Command.SET).arg(keys.shardCount()).arg(mine).arg("NX")))
        .compose(v -> redis.send(Request.cmd(Command.GET).arg(keys.shardCount())))
        .compose(stored -> {
          if (stored == null || stored.toString().equals(mine)) {
            return Future.succeededFuture();
          }
          String theirs = stored.toString();
          if (theirs.equals(keys.deploymentTag(2))) {
            return migrateFromLayout2(redis, keys);
          }
          if (!theirs.contains("layout")) {
            return Future.failedFuture(new IllegalStateException("the messages on this Redis were stored by an"
                + " earlier Courier, in another storage layout (" + keys.shardCount() + " is '" + theirs + "'):"
                + " let that version deliver them, or delete the deployment's keys, before starting this one"));
          }
          return Future.failedFuture(new IllegalStateException("this node runs " + mine + " (redis.shards), but the"
              + " messages on this Redis are stored as " + theirs + " (" + keys.shardCount()
              + "): every node of a deployment must use the same value"));
        });
  }

  /** Storage layout 2 to 3: see {@link Layout2Migration} (every layout-2 node must be stopped first). */
  private static Future<Void> migrateFromLayout2(RedisConnector redis, Keys keys) {
    return new Layout2Migration(redis, keys).run().onSuccess(moved -> LOG.info("migrated the Redis data from"
        + " storage layout 2 to {} ({} dedup keys moved to the shard of their scope)", Keys.LAYOUT, moved)).mapEmpty();
  }

  /**
   * No record yet, so this is the deployment's first node; but builds before the record existed
   * stored messages too (a key each), which this one would never see. Their wheel, lease set or dead
   * letters give them away. One EXISTS per shard: its keys share a slot.
   */
  private static Future<Void> refuseUnrecordedMessages(RedisConnector redis, Keys keys) {
    Future<Void> chain = Future.succeededFuture();
    for (int s = 0; s < keys.shards(); s++) {
      int shard = s;
      chain = chain.compose(v -> redis.send(Request.cmd(Command.EXISTS).arg(keys.due(shard)).arg(keys.lease(shard))
              .arg(keys.dlq(shard))))
          .compose(n -> n.toLong() == 0 ? Future.succeededFuture() : Future.failedFuture(new IllegalStateException(
              "the messages on this Redis were stored by an earlier Courier, or under a record since deleted ("
                  + keys.due(shard) + ", its lease set or its dead letters exist, but " + keys.shardCount()
                  + " does not): let the build that stored them deliver them, or delete the deployment's keys,"
                  + " before starting this one")));
    }
    return chain;
  }

  private static Future<Void> deploy(Vertx vertx, Map<Role, String> ids, Role role,
      java.util.function.Supplier<io.vertx.core.Deployable> verticle, int instances) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> ids.put(role, id)).mapEmpty();
  }

  /** "Address already in use" alone names neither the port nor what to change. */
  private static Throwable portInUse(Throwable err, AppConfig cfg) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException
          || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
        return new IllegalStateException("port " + cfg.http().port() + " on " + cfg.http().host()
            + " is in use: stop what listens there, or choose another port with http.port (COURIER_HTTP_PORT)", err);
      }
    }
    return err;
  }

  private static Future<Void> undeployAll(Vertx vertx, Map<Role, String> ids) {
    Future<Void> chain = Future.succeededFuture();
    List<String> reversed = new ArrayList<>(ids.values());
    java.util.Collections.reverse(reversed);
    for (String id : reversed) {
      chain = chain.eventually(() -> vertx.undeploy(id));
    }
    return chain;
  }

  private static int freePort() {
    try {
      return EmbeddedRedis.freePort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The node's meters (no-ops when {@code metrics.enabled} is false). */
  public CourierMetrics metrics() {
    return metrics;
  }

  public int port() {
    return port;
  }

  public SigningKeys signingKeys() {
    return signingKeys.keys();
  }

  /** The request bodies this node holds right now. */
  public BodyBudget bodies() {
    return bodies;
  }

  /** The client connections this node keeps open. */
  public ConnectionLimit connections() {
    return connections;
  }

  /**
   * Stops the API first (no publish is accepted while the rest stops), then the wheel (nothing more is
   * claimed), then the dispatchers, which finish the attempts they hold and record their outcomes.
   */
  public synchronized Future<Void> stop() {
    if (stopped != null) {
      return stopped; // stopping twice (a test, then its clean-up) is stopping once
    }
    credit.close(); // no attempt starts from now on, whatever stops first

    // By role, not by position: a list indexed by position missed the wheel once a verticle was added before
    // it, so the wheel went on claiming (and logged "claim failed: CONNECTION_CLOSED" when Vert.x closed).
    // The event-log writer last: it stores what the dispatchers' last outcomes recorded (what it leaves waits in
    // Redis for the next writer).
    List<Role> order = List.of(Role.API, Role.SCHEDULER, Role.WHEEL, Role.DLQ_TRIM, Role.BACKLOG_SAMPLER,
        Role.KEY_REFRESH, Role.DISPATCHERS, Role.EVENT_LOG);
    Future<Void> chain = Future.succeededFuture();
    for (Role role : order) {
      String id = deployments.get(role);
      if (id != null) {
        chain = chain.compose(v -> vertx.undeploy(id));
      }
    }
    stopped = chain.eventually(() -> events == null ? Future.succeededFuture() : events.close())
        .onComplete(v -> metrics.close());
    return stopped;
  }
}
