package dev.courier.api;

import dev.courier.dispatch.DispatchCredit;
import dev.courier.flowcontrol.FlowControlService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code /v2/flowControl} and {@code /v2/globalParallelism} (qstash-api.md §2 rows 31-37, §5.9, §16): list,
 * get, pause, resume, pin, unpin, resetRate, and the node's own delivery credit.
 */
final class FlowControlHandler {
  private final FlowControlService flows;
  private final DispatchCredit credit;
  private final int maxInFlight;

  /** @param credit the node's delivery credit, whose capacity is {@code delivery.max-in-flight} */
  FlowControlHandler(FlowControlService flows, DispatchCredit credit, int maxInFlight) {
    this.flows = flows;
    this.credit = credit;
    this.maxInFlight = maxInFlight;
  }

  /** {@code GET /v2/flowControl[?search=substring]}. */
  void list(RoutingContext ctx) {
    flows.list(ctx.queryParams().get("search")).onSuccess(all -> {
      JsonArray out = new JsonArray();
      all.forEach(i -> out.add(i.toJson()));
      ctx.response().putHeader("Content-Type", "application/json").end(out.encode());
    }).onFailure(ctx::fail);
  }

  void get(RoutingContext ctx) {
    String key = key(ctx);
    flows.get(key).onSuccess(info -> {
      if (info == null) {
        ctx.fail(notFound(key));
      } else {
        Json.send(ctx, 200, info.toJson());
      }
    }).onFailure(ctx::fail);
  }

  void pause(RoutingContext ctx) {
    done(ctx, flows.setPaused(key(ctx), true));
  }

  void resume(RoutingContext ctx) {
    done(ctx, flows.setPaused(key(ctx), false));
  }

  /** {@code ?parallelism=&rate=&period=} (period in seconds, or a duration): at least one of them. */
  void pin(RoutingContext ctx) {
    String key = key(ctx);
    var q = ctx.queryParams();
    only(ctx, List.of("parallelism", "rate", "period"));
    Integer parallelism = q.get("parallelism") == null ? null : limit("parallelism", q.get("parallelism"));
    Integer rate = q.get("rate") == null ? null : limit("rate", q.get("rate"));
    Long period = q.get("period") == null ? null : period(q.get("period"));
    if (parallelism == null && rate == null && period == null) {
      throw ApiException.badRequest("pin needs parallelism, rate and/or period as query parameters");
    }
    done(ctx, flows.pin(key, parallelism, rate, period));
  }

  /** {@code ?parallelism=true&rate=true}: at least one of them true. */
  void unpin(RoutingContext ctx) {
    String key = key(ctx);
    only(ctx, List.of("parallelism", "rate"));
    boolean parallelism = bool("parallelism", ctx.queryParams().get("parallelism"));
    boolean rate = bool("rate", ctx.queryParams().get("rate"));
    if (!parallelism && !rate) {
      throw ApiException.badRequest("unpin needs parallelism=true and/or rate=true");
    }
    done(ctx, flows.unpin(key, parallelism, rate));
  }

  void resetRate(RoutingContext ctx) {
    done(ctx, flows.resetRate(key(ctx)));
  }

  /** {@code GET /v2/globalParallelism}: this node's cap on attempts in flight and how many it has now. */
  void globalParallelism(RoutingContext ctx) {
    Json.send(ctx, 200, new JsonObject().put("parallelismMax", maxInFlight)
        .put("parallelismCount", Math.max(0, maxInFlight - credit.free())));
  }

  private static void done(RoutingContext ctx, Future<Boolean> found) {
    String key = ctx.pathParam("key");
    found.onSuccess(f -> {
      if (f) {
        ctx.response().setStatusCode(200).end();
      } else {
        ctx.fail(notFound(key));
      }
    }).onFailure(ctx::fail);
  }

  private static ApiException notFound(String key) {
    return ApiException.notFound("flow-control key " + key + " not found");
  }

  private static String key(RoutingContext ctx) {
    String key = ctx.pathParam("key");
    if (!FlowControlHeader.validKey(key)) {
      throw ApiException.badRequest("invalid flow-control key: use 1 to 128 of the characters A-Z a-z 0-9 . _ - : @");
    }
    return key;
  }

  private static void only(RoutingContext ctx, List<String> allowed) {
    for (String name : ctx.queryParams().names()) {
      if (!allowed.contains(name) && !name.equals("qstash_token")) {
        throw ApiException.badRequest("unknown query parameter '" + name + "': this takes " + String.join(", ", allowed));
      }
    }
  }

  private static int limit(String name, String v) {
    try {
      return FlowControlHeader.positive(name, v.trim());
    } catch (ApiException e) {
      throw ApiException.badRequest("invalid " + name + ": must be a whole number of at least 1, not '" + v + "'");
    }
  }

  private static long period(String v) {
    try {
      return FlowControlHeader.period(v.trim());
    } catch (ApiException e) {
      throw ApiException.badRequest("invalid period: seconds (or a duration like 1m) from 1s to 1 week, not '" + v
          + "'");
    }
  }

  private static boolean bool(String name, String v) {
    if (v == null || v.equalsIgnoreCase("false")) {
      return false;
    }
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    throw ApiException.badRequest("invalid " + name + ": true or false, not '" + v + "'");
  }
}
