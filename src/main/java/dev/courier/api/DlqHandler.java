package dev.courier.api;

import dev.courier.dlq.DeadLetterService;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/** {@code GET /v2/dlq}, {@code GET /v2/dlq/{id}}, {@code DELETE /v2/dlq/{id}} (qstash-api.md §5.4, §11). */
final class DlqHandler {
  private static final Set<String> LIST_PARAMS = Set.of("count", "cursor", "order", "qstash_token");

  private final DeadLetterService dlq;

  DlqHandler(DeadLetterService dlq) {
    this.dlq = dlq;
  }

  void list(RoutingContext ctx) {
    var params = ctx.queryParams();
    for (String name : params.names()) {
      if (!LIST_PARAMS.contains(name)) {
        throw ApiException.badRequest("unsupported dlq filter parameter: " + name);
      }
    }
    int count = 100;
    if (params.get("count") != null) {
      try {
        count = Integer.parseInt(params.get("count").trim());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid count: not a whole number");
      }
      if (count < 1 || count > 100) {
        throw ApiException.badRequest("invalid count: must be between 1 and 100");
      }
    }
    dlq.list(params.get("cursor"), count).onSuccess(page -> Json.send(ctx, 200, page)).onFailure(ctx::fail);
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
}
