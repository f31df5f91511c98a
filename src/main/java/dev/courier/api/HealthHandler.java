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
 * this node's Redis connection answers and every Lua script is loaded, i.e. when a publish could be stored.
 * The event log's database is reported ({@code eventLog}: ok, unreachable, or off) but does not make the node
 * unready: its events wait in Redis while the database is away, and deliveries go on (api-decisions.md), so
 * taking every node out of service for it would refuse publishes that can be stored.
 */
final class HealthHandler {
  /** A probe times out after a second by default: answer before it does. */
  private static final long REDIS_TIMEOUT_MS = 900;

  private final RedisConnector redis;
  private final EventStore events;

  /** @param events the event log's database, null when the log is off */
  HealthHandler(RedisConnector redis, EventStore events) {
    this.redis = redis;
    this.events = events;
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
        : events.ping().map("ok").timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS).otherwise("unreachable");
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
    send(ctx, missing == 0 ? 200 : 503, body.put("status", missing == 0 ? "ok" : "unavailable"));
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end(body.encode());
  }
}
