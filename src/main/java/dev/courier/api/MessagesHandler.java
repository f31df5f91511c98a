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
    var params = ctx.queryParams();
    List<String> ids = new ArrayList<>(params.getAll("messageIds"));
    JsonArray fromBody = bodyIds(ctx); // the Python SDK's legacy JSON body
    if (fromBody != null) {
      fromBody.forEach(v -> ids.add(String.valueOf(v)));
    }
    Future<Integer> cancelled;
    if (!ids.isEmpty()) {
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

  private static JsonArray bodyIds(RoutingContext ctx) {
    var body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      return null;
    }
    try {
      return new JsonObject(body).getJsonArray("messageIds");
    } catch (RuntimeException e) {
      throw ApiException.badRequest("invalid JSON body: expected {\"messageIds\":[…]}");
    }
  }
}
