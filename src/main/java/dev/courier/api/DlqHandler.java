package dev.courier.api;

import dev.courier.dlq.DeadLetterFilter;
import dev.courier.dlq.DeadLetterService;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /v2/dlq} (filters, {@code dlqIds}), {@code GET /v2/dlq/{id}}, {@code DELETE /v2/dlq/{id}} and the
 * bulk {@code DELETE /v2/dlq} (qstash-api.md §2 rows 8-11, §5.4, §6, §11).
 */
final class DlqHandler {
  private static final Set<String> IDS = Set.of("dlqIds");
  /** Most ids one request may name. */
  private static final int MAX_IDS = 1000;

  private final DeadLetterService dlq;
  private final PublishRequest parser;
  private final Runnable wakeWheel;

  /** @param parser reads a retry's override headers; @param wakeWheel a retried message is due at once */
  DlqHandler(DeadLetterService dlq, PublishRequest parser, Runnable wakeWheel) {
    this.dlq = dlq;
    this.parser = parser;
    this.wakeWheel = wakeWheel;
  }

  /** {@code POST /v2/dlq/retry/{dlqId}}: 201 {@code {"messageId"}}, 404 when there is no such dead letter. */
  void retry(RoutingContext ctx) {
    String id = ctx.pathParam("dlqId");
    long now = System.currentTimeMillis();
    var overrides = RetryOverrideHeaders.parse(parser, ctx.request().headers(), now);
    dlq.retry(id, overrides, now).onSuccess(messageId -> {
      if (messageId == null) {
        ctx.fail(ApiException.notFound("dlq message " + id + " not found"));
      } else {
        wakeWheel.run();
        Json.send(ctx, 201, new JsonObject().put("messageId", messageId));
      }
    }).onFailure(ctx::fail);
  }

  /**
   * {@code POST /v2/dlq/retry?dlqIds=…} (or a filter, {@code count}, {@code cursor}): retries each, in one
   * step with the new message's store; {@code {"responses":[{"messageId"}…],"cursor"?}}, no cursor when ids
   * were given. A dead letter gone meanwhile is left out.
   */
  void retryMany(RoutingContext ctx) {
    MultiMap params = ctx.queryParams();
    DeadLetterFilter filter = filter(params);
    int count = count(params);
    long now = System.currentTimeMillis();
    var overrides = RetryOverrideHeaders.parse(parser, ctx.request().headers(), now);
    List<String> ids = ids(params, ctx.body().buffer());
    Future<JsonObject> page = !ids.isEmpty() ? Future.succeededFuture(new JsonObject()
        .put("messages", new JsonArray(ids.stream().map(id -> (Object) new JsonObject().put("dlqId", id)).toList())))
        : dlq.list(params.get("cursor"), count, filter);
    page.compose(p -> {
      List<Future<String>> each = new ArrayList<>();
      p.getJsonArray("messages").forEach(m -> each.add(dlq.retry(((JsonObject) m).getString("dlqId"), overrides, now)));
      return Future.all(each).map(cf -> {
        JsonArray responses = new JsonArray();
        each.stream().map(Future::result).filter(id -> id != null)
            .forEach(id -> responses.add(new JsonObject().put("messageId", id)));
        JsonObject out = new JsonObject().put("responses", responses);
        if (p.getString("cursor") != null) {
          out.put("cursor", p.getString("cursor"));
        }
        return out;
      });
    }).onSuccess(out -> {
      wakeWheel.run();
      Json.send(ctx, 201, out);
    }).onFailure(ctx::fail);
  }

  void list(RoutingContext ctx) {
    MultiMap params = ctx.queryParams();
    DeadLetterFilter filter = filter(params);
    int count = count(params);
    List<String> ids = ids(params, null);
    if (!ids.isEmpty()) {
      dlq.byIds(ids).onSuccess(items -> Json.send(ctx, 200, new JsonObject().put("messages", items)))
          .onFailure(ctx::fail);
      return;
    }
    dlq.list(params.get("cursor"), count, filter).onSuccess(page -> Json.send(ctx, 200, page)).onFailure(ctx::fail);
  }

  /**
   * {@code DELETE /v2/dlq?dlqIds=…} (or a JSON body {@code {"dlqIds":[…]}}) deletes those; otherwise a page of
   * {@code count} (default 100) dead letters matching the filter from {@code cursor} is deleted, and the
   * answer's cursor continues (absent when nothing is left): {@code {"deleted":N,"cursor"?}}.
   */
  void deleteMany(RoutingContext ctx) {
    MultiMap params = ctx.queryParams();
    DeadLetterFilter filter = filter(params);
    int count = count(params);
    List<String> ids = ids(params, ctx.body().buffer());
    if (!ids.isEmpty()) {
      deleteAll(ids).onSuccess(n -> Json.send(ctx, 200, new JsonObject().put("deleted", n))).onFailure(ctx::fail);
      return;
    }
    dlq.list(params.get("cursor"), count, filter).compose(page -> {
      List<String> listed = new ArrayList<>();
      page.getJsonArray("messages").forEach(m -> listed.add(((JsonObject) m).getString("dlqId")));
      return deleteAll(listed).map(n -> {
        JsonObject out = new JsonObject().put("deleted", n);
        if (page.getString("cursor") != null) {
          out.put("cursor", page.getString("cursor"));
        }
        return out;
      });
    }).onSuccess(out -> Json.send(ctx, 200, out)).onFailure(ctx::fail);
  }

  private Future<Integer> deleteAll(List<String> ids) {
    List<Future<Boolean>> each = new ArrayList<>();
    ids.forEach(id -> each.add(dlq.delete(id)));
    return Future.all(each).map(cf -> (int) each.stream().filter(Future::result).count());
  }

  void get(RoutingContext ctx) {
    String id = ctx.pathParam("dlqId");
    dlq.get(id).onSuccess(json -> {
      if (json == null) {
        ctx.fail(ApiException.notFound("dlq message " + id + " not found"));
      } else {
        Json.send(ctx, 200, json);
      }
    }).onFailure(ctx::fail);
  }

  void delete(RoutingContext ctx) {
    String id = ctx.pathParam("dlqId");
    dlq.delete(id).onSuccess(done -> {
      if (done) {
        Json.send(ctx, 200, new JsonObject().put("deleted", 1));
      } else {
        ctx.fail(ApiException.notFound("dlq message " + id + " not found"));
      }
    }).onFailure(ctx::fail);
  }

  /** The filter of the query; 400 naming an unknown or malformed parameter, and for an order not served. */
  static DeadLetterFilter filter(MultiMap params) {
    String order = params.get("order");
    if (order != null && !order.equals("latestFirst")) {
      throw ApiException.badRequest("invalid order: dead letters are listed latestFirst (newest first) only");
    }
    try {
      return DeadLetterFilter.from(params, IDS);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  static int count(MultiMap params) {
    if (params.get("count") == null) {
      return 100;
    }
    int count;
    try {
      count = Integer.parseInt(params.get("count").trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid count: not a whole number");
    }
    if (count < 1 || count > 100) {
      throw ApiException.badRequest("invalid count: must be between 1 and 100");
    }
    return count;
  }

  /** {@code dlqIds}: repeated, comma-separated, or in a JSON body {@code {"dlqIds":[…]}}; at most 1000. */
  static List<String> ids(MultiMap params, Buffer body) {
    List<String> ids = new ArrayList<>();
    for (String v : params.getAll("dlqIds")) {
      for (String id : v.split(",")) {
        if (!id.isBlank()) {
          ids.add(id.trim());
        }
      }
    }
    if (body != null && body.length() > 0) {
      try {
        JsonArray given = new JsonObject(body).getJsonArray("dlqIds");
        if (given == null) {
          throw ApiException.badRequest("a JSON body must be {\"dlqIds\":[…]}");
        }
        given.forEach(id -> ids.add(String.valueOf(id)));
      } catch (DecodeException | ClassCastException e) {
        throw ApiException.badRequest("a JSON body must be {\"dlqIds\":[…]}");
      }
    }
    if (ids.size() > MAX_IDS) {
      throw ApiException.badRequest("too many dlqIds: at most " + MAX_IDS + " per request");
    }
    return ids;
  }
}
