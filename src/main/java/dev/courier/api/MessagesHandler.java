package dev.courier.api;

import dev.courier.messages.MessageFilter;
import dev.courier.messages.MessageService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/** {@code GET|DELETE /v2/messages/{id}} and the bulk cancel {@code DELETE /v2/messages?…} (§5.3, §6). */
final class MessagesHandler {
  /** The SDK always sends count=100 and means "all": honour only an explicitly smaller count (§20.8). */
  private static final int COUNT_MEANS_ALL = 100;
  /** Ids one bulk cancel may list: each is a script call, and the answer waits for all of them. */
  static final int MAX_IDS = 1000;

  private final MessageService messages;

  MessagesHandler(MessageService messages) {
    this.messages = messages;
  }

  void get(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    messages.get(id).onSuccess(json -> {
      if (json == null) {
        ctx.fail(ApiException.notFound("message " + id + " not found"));
      } else {
        Json.send(ctx, 200, json);
      }
    }).onFailure(ctx::fail);
  }

  void cancel(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    messages.cancel(id).onSuccess(done -> {
      if (done) {
        Json.send(ctx, 200, new JsonObject().put("cancelled", 1));
      } else {
        ctx.fail(ApiException.notFound("message " + id + " not found"));
      }
    }).onFailure(ctx::fail);
  }

  void cancelMany(RoutingContext ctx) {
    if (ctx.request().path().endsWith("/")) {
      // DELETE /v2/messages/ is the single-message cancel with an empty id (the router matches it here):
      // cancelling everything would be the worst reading of it.
      throw ApiException.badRequest("missing message id");
    }
    var params = ctx.queryParams();
    List<String> ids = new ArrayList<>(params.getAll("messageIds"));
    ids.addAll(params.getAll("messageId"));
    JsonArray fromBody = bodyIds(ctx); // the Python SDK's legacy JSON body
    if (fromBody != null) {
      fromBody.forEach(v -> ids.add(String.valueOf(v)));
    }
    if (ids.size() > MAX_IDS) {
      throw ApiException.badRequest("too many message ids: " + ids.size() + ", at most " + MAX_IDS + " per request");
    }
    Future<Integer> cancelled;
    if (!ids.isEmpty() || fromBody != null) {
      // Ids given (even ones that match nothing) never widen to "all".
      cancelled = messages.cancel(ids);
    } else {
      MessageFilter filter = MessageFilter.from(params);
      cancelled = messages.cancel(filter, count(params.get("count")));
    }
    cancelled.onSuccess(n -> Json.send(ctx, 200, new JsonObject().put("cancelled", n))).onFailure(ctx::fail);
  }

  private static int count(String value) {
    if (value == null) {
      return Integer.MAX_VALUE;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n < 1) {
        throw ApiException.badRequest("invalid count: must be at least 1");
      }
      return n >= COUNT_MEANS_ALL ? Integer.MAX_VALUE : n;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid count: not a whole number");
    }
  }

  /**
   * The ids of a JSON body, or null without a body. A body is a request for those ids: one that lists none
   * (a typo, an empty list, another field) is refused rather than read as "cancel everything".
   */
  private static JsonArray bodyIds(RoutingContext ctx) {
    var body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      return null;
    }
    JsonArray ids;
    try {
      ids = new JsonObject(body).getJsonArray("messageIds");
    } catch (RuntimeException e) {
      ids = null;
    }
    if (ids == null || ids.isEmpty()) {
      throw ApiException.badRequest("invalid JSON body: expected {\"messageIds\":[…]} with at least one id");
    }
    return ids;
  }
}
