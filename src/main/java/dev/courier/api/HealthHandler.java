package dev.courier.api;

import dev.courier.eventlog.EventStore;
import dev.courier.redis.LuaScript;
import dev.courier.redis.RedisConnector;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.concurrent.TimeUnit;

/**
 * The probes, without the API token (a Kubernetes probe or a load balancer sends none, and they reveal
 * nothing): {@code GET /health/live} answers while the event loop does, {@code GET /health/ready} only when
 * this node's Redis connection answers and every Lua script is loaded, i.e. when a publish could be stored, and
 * the event log's database takes a write.
 * The event log's database is reported ({@code eventLog}: ok, read-only, unreachable, or off: whether it takes a
 * write) and is part of readiness unless {@code event-log.ready-needs-database: false}: then the node stays in
 * service while the database is away, as its events wait in Redis and deliveries go on (api-decisions.md).
 */
final class HealthHandler {
  /** A probe times out after a second by default: answer before it does. */
  private static final long REDIS_TIMEOUT_MS = 900;

  private final RedisConnector redis;
  private final EventStore events;
  private final boolean readyNeedsDatabase;

  /**
   * @param events the event log's database, null when the log is off
   * @param readyNeedsDatabase whether a database that does not take a write makes the node unready
   */
  HealthHandler(RedisConnector redis, EventStore events, boolean readyNeedsDatabase) {
    this.redis = redis;
    this.events = events;
    this.readyNeedsDatabase = readyNeedsDatabase;
  }

  void live(RoutingContext ctx) {
    send(ctx, 200, new JsonObject().put("status", "ok"));
  }

  void ready(RoutingContext ctx) {
    Request exists = Request.cmd(Command.SCRIPT).arg("EXISTS");
    for (LuaScript s : LuaScript.values()) {
      exists.arg(s.sha());
    }
    Future<Response> ping = redis.send(Request.cmd(Command.PING));
    Future<Response> scripts = redis.send(exists);
    Future<String> eventLog = events == null ? Future.succeededFuture("off")
        : events.ping().map("ok").timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .otherwise(e -> EventStore.isReadOnly(e) ? "read-only" : "unreachable");
    Future.all(ping, scripts).timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(ar -> eventLog.onComplete(
        log -> answer(ctx, ar.succeeded() ? scripts.result() : null, ar.cause(), log.result())));
  }

  private void answer(RoutingContext ctx, Response scripts, Throwable redisFailure, String eventLog) {
    if (scripts == null) {
      send(ctx, 503, new JsonObject().put("status", "unavailable").put("redis", "unreachable")
          .put("eventLog", eventLog).put("error", String.valueOf(redisFailure.getMessage())));
      return;
    }
    int missing = 0;
    for (Response loaded : scripts) {
      if (loaded.toLong() == 0) {
        missing++;
      }
    }
    // Scripts go missing when Redis restarted without them: the next script call loads them all again.
    JsonObject body = new JsonObject().put("redis", "ok").put("scripts", missing == 0 ? "loaded"
        : missing + " of " + LuaScript.values().length + " not loaded").put("eventLog", eventLog);
    boolean databaseAway = !eventLog.equals("ok") && !eventLog.equals("off");
    boolean ready = missing == 0 && !(readyNeedsDatabase && databaseAway);
    send(ctx, ready ? 200 : 503, body.put("status", ready ? "ok" : "unavailable"));
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end(body.encode());
  }
}
