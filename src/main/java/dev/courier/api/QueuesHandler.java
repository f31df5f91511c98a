package dev.courier.api;

import dev.courier.queues.QueueService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/** {@code /v2/queues}: upsert, list, get, delete, pause and resume (qstash-api.md §2 rows 25-30, §5.6, §13). */
final class QueuesHandler {
  private static final Set<String> UPSERT_FIELDS = Set.of("queueName", "parallelism", "paused");

  private final QueueService queues;
  private final int maxParallelism;

  QueuesHandler(QueueService queues, int maxParallelism) {
    this.queues = queues;
    this.maxParallelism = maxParallelism;
  }

  /** {@code POST /v2/queues {"queueName","parallelism","paused"}}. */
  void upsert(RoutingContext ctx) {
    JsonObject body = object(ctx.body().buffer());
    for (String field : body.fieldNames()) {
      if (!UPSERT_FIELDS.contains(field)) {
        throw ApiException.badRequest("unknown field '" + field + "': a queue takes queueName, parallelism and paused");
      }
    }
    if (!(body.getValue("queueName") instanceof String name)) {
      throw ApiException.badRequest("queueName is required (a string)");
    }
    String queue = name(name);
    Integer parallelism = null;
    Object p = body.getValue("parallelism");
    if (p != null) {
      if (!(p instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < 1) {
        throw ApiException.badRequest("invalid parallelism: must be a whole number of at least 1");
      }
      if (n.doubleValue() > maxParallelism) {
        throw new ApiException(412, "parallelism " + n.longValue() + " is above the limit of " + maxParallelism
            + " (queues.max-parallelism)");
      }
      parallelism = n.intValue();
    }
    Object paused = body.getValue("paused");
    if (paused != null && !(paused instanceof Boolean)) {
      throw ApiException.badRequest("invalid paused: must be true or false");
    }
    queues.upsert(queue, parallelism, (Boolean) paused).onSuccess(v -> ctx.response().setStatusCode(200).end())
        .onFailure(ctx::fail);
  }

  void list(RoutingContext ctx) {
    queues.list().onSuccess(all -> {
      JsonArray out = new JsonArray();
      all.forEach(q -> out.add(q.toJson()));
      ctx.response().putHeader("Content-Type", "application/json").end(out.encode());
    }).onFailure(ctx::fail);
  }

  void get(RoutingContext ctx) {
    String queue = name(ctx.pathParam("name"));
    queues.get(queue).onSuccess(q -> {
      if (q == null) {
        ctx.fail(ApiException.notFound("queue " + queue + " not found"));
      } else {
        Json.send(ctx, 200, q.toJson());
      }
    }).onFailure(ctx::fail);
  }

  void delete(RoutingContext ctx) {
    String queue = name(ctx.pathParam("name"));
    queues.delete(queue).onSuccess(dropped -> {
      if (dropped < 0) {
        ctx.fail(ApiException.notFound("queue " + queue + " not found"));
      } else {
        ctx.response().setStatusCode(200).end();
      }
    }).onFailure(ctx::fail);
  }

  void pause(RoutingContext ctx) {
    setPaused(ctx, true);
  }

  void resume(RoutingContext ctx) {
    setPaused(ctx, false);
  }

  private void setPaused(RoutingContext ctx, boolean paused) {
    String queue = name(ctx.pathParam("name"));
    queues.setPaused(queue, paused).onSuccess(found -> {
      if (found) {
        ctx.response().setStatusCode(200).end();
      } else {
        ctx.fail(ApiException.notFound("queue " + queue + " not found"));
      }
    }).onFailure(ctx::fail);
  }

  /** A queue name from a path or a body: {@code [A-Za-z0-9._-]}, at most 128 characters, else 400. */
  static String name(String name) {
    if (!PublishRequest.validQueueName(name)) {
      throw ApiException.badRequest("invalid queue name: use 1 to 128 of the characters A-Z a-z 0-9 . _ -");
    }
    return name;
  }

  private static JsonObject object(Buffer body) {
    if (body == null || body.length() == 0) {
      throw ApiException.badRequest("a JSON object is required: {\"queueName\", \"parallelism\", \"paused\"}");
    }
    try {
      return new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw ApiException.badRequest("the body is not a JSON object");
    }
  }
}
