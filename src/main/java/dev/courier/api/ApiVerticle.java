package dev.courier.api;

import dev.courier.config.AppConfig;
import dev.courier.dispatch.DirectDispatch;
import dev.courier.dispatch.DispatchCredit;
import dev.courier.flowcontrol.FlowControlService;
import dev.courier.dlq.DeadLetterService;
import dev.courier.eventlog.EventStore;
import dev.courier.ingest.IngestService;
import dev.courier.metrics.CourierMetrics;
import dev.courier.messages.MessageService;
import dev.courier.queues.QueueService;
import dev.courier.redis.Keys;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import dev.courier.schedules.ScheduleService;
import dev.courier.security.NetworkPolicy;
import dev.courier.signing.SigningKeyStore;
import dev.courier.topics.TopicCache;
import dev.courier.topics.TopicService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/** Wires the QStash REST API on one event loop, with its own pipelined Redis connection. */
public final class ApiVerticle extends VerticleBase {
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  private static final String HEALTHY = "{\"status\":\"ok\"}";
  /** How long a stop lets the requests under way finish (a publish takes milliseconds; a trickled body is cut). */
  private static final long STOP_GRACE_MS = 2_000;
  private final AppConfig config;
  private final Keys keys;
  private final SigningKeyStore signingKeys;
  private final Runnable wakeWheel;
  private final DirectDispatch direct;
  private final BodyBudget bodies;
  private final ConnectionLimit connections;
  private final TopicCache topicCache;
  private final DispatchCredit credit;
  private final CourierMetrics metrics;
  /** Null when the event log is off. */
  private final EventStore events;
  private final Clock clock;
  private RedisConnector redis;
  private HttpServer server;

  /**
   * @param direct null when immediate messages go through the wheel too
   * @param bodies shared by the node's API verticles
   * @param connections shared by the node's API verticles
   * @param topicCache shared by the node's API verticles
   * @param credit the node's delivery credit (what {@code GET /v2/globalParallelism} reports)
   * @param metrics the node's meters, and what {@code GET /metrics} shows
   * @param events the event log's database, shared by the node's API verticles; null when the log is off
   * @param clock what schedules are created and resumed by (the scheduler's clock; tests move it)
   */
  public ApiVerticle(AppConfig config, Keys keys, SigningKeyStore signingKeys, Runnable wakeWheel,
      DirectDispatch direct, BodyBudget bodies, ConnectionLimit connections, TopicCache topicCache,
      DispatchCredit credit, CourierMetrics metrics, EventStore events, Clock clock) {
    this.clock = clock;
    this.metrics = metrics;
    this.events = events;
    this.topicCache = topicCache;
    this.credit = credit;
    this.config = config;
    this.keys = keys;
    this.signingKeys = signingKeys;
    this.wakeWheel = wakeWheel;
    this.direct = direct;
    this.bodies = bodies;
    this.connections = connections;
  }

  @Override
  public Future<?> start() {
    redis = new RedisConnector(vertx, config.redis().url());
    ScriptRunner scripts = new ScriptRunner(redis, metrics);
    var limits = config.limits();
    var auth = new AuthHandler(config.auth().accepted());
    var queueService = new QueueService(scripts, keys, config.queues().maxQueues());
    var topicService = new TopicService(scripts, keys, topicCache, config.topics().maxTopics(),
        config.topics().maxEndpoints());
    var ingest = new IngestService(context, scripts, keys, limits.dedupWindowMs(), limits.maxBacklog(), wakeWheel,
        direct, metrics);
    var flowService = new FlowControlService(scripts, keys, config.flowControl().maxKeys());
    var policy = new NetworkPolicy(config.security().denyPrivateNetworks(), config.security().deniedNetworks());
    var publish = new PublishHandler(new PublishRequest(limits, keys, policy), ingest, queueService, topicService, flowService,
        auth, bodies, limits.maxBodySize());
    var topics = new TopicsHandler(topicService, policy);
    var batch = new BatchHandler(new PublishRequest(limits, keys, policy), ingest, publish, topicService,
        config.topics().maxBatchSize(), config.topics().maxBatchBytes());
    var flows = new FlowControlHandler(flowService, credit, config.delivery().maxInFlight());
    var queues = new QueuesHandler(queueService, config.queues().maxParallelism());
    var messages = new MessagesHandler(new MessageService(scripts, keys));
    var dlq = new DlqHandler(new DeadLetterService(scripts, keys), new PublishRequest(limits, keys), wakeWheel);
    var signing = new KeysHandler(signingKeys, scripts);
    var schedules = new SchedulesHandler(new ScheduleService(scripts, keys, config.schedules().maxSchedules()),
        new PublishRequest(limits, keys, policy), new ScheduleView(new MessageService(scripts, keys),
            new DeadLetterService(scripts, keys)), clock);

    Router router = Router.router(vertx);
    boolean healthAuth = config.http().healthAuth();
    if (healthAuth) {
      router.route("/health").handler(auth);
      router.route("/health/*").handler(auth);
    }
    router.get("/health").handler(ctx -> health(ctx.request()));
    var probes = new HealthHandler(redis, events, config.eventLog().readyNeedsDatabase());
    router.get("/health/live").handler(probes::live);
    router.get("/health/ready").handler(probes::ready);
    if (config.metrics().auth()) {
      router.route("/metrics").handler(auth);
    }
    router.get("/metrics").handler(new MetricsHandler(metrics)::handle);
    router.route("/v2/*").handler(auth);
    // A batch has a body limit of its own (batch.max-bytes), so it is routed before the others' body handler.
    router.post("/v2/batch").handler(batch::checkLength);
    router.post("/v2/batch").handler(bodies.handler(config.topics().maxBatchBytes()));
    router.post("/v2/batch").handler(BodyHandler.create(false).setBodyLimit(config.topics().maxBatchBytes()));
    router.post("/v2/batch").handler(batch::handle);
    router.route("/v2/*").handler(bodies.handler());
    // No file uploads: BodyHandler.create() would otherwise write a file-uploads/ folder.
    router.route("/v2/*").handler(BodyHandler.create(false).setBodyLimit(limits.maxBodySize()));
    router.post(PublishHandler.ROUTE).handler(publish::handle);
    router.post(PublishHandler.ENQUEUE_ROUTE).handler(publish::handle);
    router.post("/v2/queues").handler(queues::upsert);
    router.get("/v2/queues").handler(queues::list);
    router.get("/v2/queues/:name").handler(queues::get);
    router.delete("/v2/queues/:name").handler(queues::delete);
    router.post("/v2/queues/:name/pause").handler(queues::pause);
    router.post("/v2/queues/:name/resume").handler(queues::resume);
    router.post("/v2/topics/:name/endpoints").handler(topics::addEndpoints);
    router.delete("/v2/topics/:name/endpoints").handler(topics::removeEndpoints);
    router.get("/v2/topics").handler(topics::list);
    router.get("/v2/topics/:name").handler(topics::get);
    router.delete("/v2/topics/:name").handler(topics::delete);
    router.get("/v2/flowControl").handler(flows::list);
    router.get("/v2/flowControl/:key").handler(flows::get);
    router.post("/v2/flowControl/:key/pause").handler(flows::pause);
    router.post("/v2/flowControl/:key/resume").handler(flows::resume);
    router.post("/v2/flowControl/:key/pin").handler(flows::pin);
    router.post("/v2/flowControl/:key/unpin").handler(flows::unpin);
    router.post("/v2/flowControl/:key/resetRate").handler(flows::resetRate);
    router.get("/v2/globalParallelism").handler(flows::globalParallelism);
    // POST covers the create and the POST form of pause and resume (SchedulesHandler tells them apart).
    router.post(SchedulesHandler.PREFIX + "*").handler(schedules::post);
    router.get("/v2/schedules").handler(schedules::list);
    router.get("/v2/schedules/:id").handler(schedules::get);
    router.delete("/v2/schedules/:id").handler(schedules::delete);
    router.patch("/v2/schedules/:id/pause").handler(schedules::pause);
    router.patch("/v2/schedules/:id/resume").handler(schedules::resume);
    router.get("/v2/messages/:id").handler(messages::get);
    router.delete("/v2/messages/:id").handler(messages::cancel);
    router.delete("/v2/messages").handler(messages::cancelMany);
    router.get("/v2/keys").handler(signing::get);
    router.post("/v2/keys/rotate").handler(signing::rotate);
    var eventLog = new EventsHandler(events);
    router.get("/v2/events").handler(eventLog::events);
    router.get("/v2/logs").handler(eventLog::logs);
    router.get("/v2/dlq").handler(dlq::list);
    router.get("/v2/dlq/:dlqId").handler(dlq::get);
    router.delete("/v2/dlq/:dlqId").handler(dlq::delete);
    router.delete("/v2/dlq").handler(dlq::deleteMany);
    router.post("/v2/dlq/retry/:dlqId").handler(dlq::retry);
    router.post("/v2/dlq/retry").handler(dlq::retryMany);
    router.route().handler(ctx -> ctx.fail(ApiException.notFound("no such endpoint")));
    router.route().failureHandler(ApiErrors::handle);

    var options = new HttpServerOptions().setHost(config.http().host()).setPort(config.http().port())
        // Long destination URLs and a dozen Upstash-* headers are common (qstash-api.md §4). Headers past
        // limits.max-header-size get a JSON 431 from the HTTP parser (ApiErrors.invalidRequest) before any
        // of the request is handled: a connection holds no more than that while its headers arrive.
        .setMaxInitialLineLength(65_536)
        .setMaxHeaderSize(limits.maxHeaderSize())
        .setTcpNoDelay(true)
        // No HTTP/2 over cleartext (no client of Courier's uses it): while Vert.x sniffs for it, a new
        // connection reaches the connection handler only once its first request head is complete, and
        // http.max-connections (ConnectionLimit) must hold from the moment a connection is accepted.
        .setHttp2ClearTextEnabled(false)
        // Courier serves no WebSockets. With either compression flag on (both are by default) Vert.x puts
        // Netty's WebSocketServerExtensionHandler in every connection's pipeline, where it inspects every
        // request and answer: about 4 % of Courier's CPU per publish in a profile.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false);
    var tls = config.http().tls();
    if (tls != null) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certPath().toString())
          .setKeyPath(tls.keyPath().toString()));
    }
    if (config.http().idleTimeoutMs() > 0) {
      options.setIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.http().idleTimeoutMs()))
          .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    // The front door: the two requests that come by the thousand a second skip the router (routing,
    // routing context, body handler). Both, so that /health stays a fair "no work" baseline for publish.
    Handler<HttpServerRequest> front = req -> {
      if (req.method() == HttpMethod.POST && (req.path().startsWith(PublishHandler.PREFIX)
          || req.path().startsWith(PublishHandler.ENQUEUE_PREFIX))) {
        publish.handle(req);
      } else if (req.method() == HttpMethod.GET && req.path().equals("/health") && !healthAuth) {
        health(req);
      } else if (!Urls.wellEscaped(req.path())) {
        // Vert.x Web decodes the path and the query while matching routes: a stray '%' in either threw in
        // the router, which answered a plain-text 400 and logged the whole URI, token included, at ERROR.
        ApiErrors.send(req.response(), 400, "malformed path: a '%' must be followed by two hex digits", null);
      } else if (!Urls.wellEscaped(req.query())) {
        ApiErrors.send(req.response(), 400, AuthHandler.MALFORMED_QUERY.getMessage(), null);
      } else {
        router.handle(req);
      }
    };
    return vertx.createHttpServer(options).connectionHandler(connections::admit).requestHandler(front)
        .invalidRequestHandler(ApiErrors::invalidRequest).listen().onSuccess(s -> server = s)
        .recover(err -> Future.failedFuture(tls == null || bindFailure(err) ? err : new IllegalStateException(
            "cannot serve HTTPS with http.tls.cert-path " + tls.certPath() + " and http.tls.key-path " + tls.keyPath()
                + " (does the key belong to the certificate?): " + err.getMessage(), err)));
  }

  /** A port in use is Courier.start's to explain, TLS or not. */
  private static boolean bindFailure(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException
          || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) { // epoll's
        return true;
      }
    }
    return false;
  }

  private static void health(HttpServerRequest req) {
    req.response().putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(HEALTHY);
  }

  /**
   * Takes no new connection, lets the requests under way get their answer, and only then closes the Redis
   * connection. Closed beside the server, it cut the replies of store scripts Redis had already run: a message
   * was stored and its publisher got 503, so it published it again (chaos.GracefulShutdownTest).
   */
  @Override
  public Future<?> stop() {
    Future<Void> drained = server == null ? Future.succeededFuture()
        : server.shutdown(STOP_GRACE_MS, TimeUnit.MILLISECONDS);
    return drained.eventually(() -> redis.close());
  }
}
