package dev.courier.api;

import dev.courier.ingest.IngestService;
import dev.courier.model.Gates;
import dev.courier.model.NewMessage;
import dev.courier.model.PublishResult;
import dev.courier.queues.QueueService;
import dev.courier.topics.TopicService;
import dev.courier.topics.UrlGroup;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v2/batch}: a JSON array of {@code {destination, headers, body, queue}} (qstash-api.md §2 row 3,
 * §5.2). A malformed batch (not an array, an item of the wrong shape, over the configured bounds) is refused
 * whole and nothing is stored. Otherwise every item is validated on its own: one that fails gets
 * {@code {"error":…}} at its place and the others are stored. The answer keeps the request's order; a URL
 * group item becomes a nested array. Every message goes through the one ingest path, all submitted in one
 * event-loop turn, so the batch is stored in one round trip per shard it touches.
 */
final class BatchHandler {
  private static final Set<String> ITEM_FIELDS = Set.of("destination", "headers", "body", "queue");

  private final PublishRequest parser;
  private final IngestService ingest;
  private final PublishHandler publish;
  private final TopicService topics;
  private final int maxMessages;
  private final int maxBytes;

  /** @param publish its quota checks ({@link PublishHandler#admit}) are the batch items' too */
  BatchHandler(PublishRequest parser, IngestService ingest, PublishHandler publish, TopicService topics,
      int maxMessages, int maxBytes) {
    this.maxBytes = maxBytes;
    this.parser = parser;
    this.ingest = ingest;
    this.publish = publish;
    this.topics = topics;
    this.maxMessages = maxMessages;
  }

  /** One item, parsed, or the error it answers. */
  private record Item(ParsedPublish parsed, String error) {}

  /** Before the body is read: a batch that says it is too large is refused whole, naming the setting. */
  void checkLength(RoutingContext ctx) {
    String length = ctx.request().getHeader("Content-Length");
    long declared;
    try {
      declared = length == null ? 0 : Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid Content-Length");
    }
    if (declared > maxBytes) {
      throw new ApiException(413, "a batch of " + declared + " bytes is over the limit of " + maxBytes
          + " (batch.max-bytes); nothing was stored");
    }
    ctx.next();
  }

  void handle(RoutingContext ctx) {
    JsonArray items = items(ctx.body().buffer());
    String ip = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    long now = System.currentTimeMillis();
    List<Item> parsed = new ArrayList<>(items.size());
    Set<String> groups = new LinkedHashSet<>();
    Map<String, ParsedPublish> gates = new HashMap<>(); // one item per queue or flow-control key, for its check
    for (int i = 0; i < items.size(); i++) {
      Item item = parse(i, items.getJsonObject(i), ip, now);
      parsed.add(item);
      if (item.parsed() != null && item.parsed().group() != null) {
        groups.add(item.parsed().group());
      }
      if (item.parsed() != null && gateOf(item.parsed()) != null) {
        gates.putIfAbsent(gateOf(item.parsed()), item.parsed());
      }
    }
    // What the items need looked up, each once: their groups, and (for the quotas) their queues and keys.
    Map<String, Future<UrlGroup>> groupOf = new HashMap<>();
    groups.forEach(g -> groupOf.put(g, topics.resolve(g)));
    Map<String, Future<Void>> admitted = new HashMap<>();
    gates.forEach((gate, p) -> admitted.put(gate, publish.admit(p)));
    List<Future<?>> lookups = new ArrayList<>(groupOf.values());
    lookups.addAll(admitted.values());
    Future.join(lookups).onComplete(done -> store(ctx, parsed, groupOf, admitted));
  }

  /** The gate of an item's messages (its queue or flow-control key), null when none. */
  private static String gateOf(ParsedPublish p) {
    return p.queueName() != null ? Gates.queue(p.queueName())
        : p.flowControl() != null ? Gates.flowControl(p.flowControl().key()) : null;
  }

  private void store(RoutingContext ctx, List<Item> items, Map<String, Future<UrlGroup>> groupOf,
      Map<String, Future<Void>> admitted) {
    // Submitted in one turn: the ingest path puts the messages of one shard into one script call.
    List<Object> answers = new ArrayList<>(items.size());
    for (Item item : items) {
      ParsedPublish p = item.parsed();
      if (p == null) {
        answers.add(item.error());
        continue;
      }
      Future<Void> gate = gateOf(p) == null ? Future.succeededFuture() : admitted.get(gateOf(p));
      if (gate.failed()) {
        answers.add(gate.cause());
      } else if (p.group() == null) {
        answers.add(ingest.publish(p.message()));
      } else {
        Future<UrlGroup> g = groupOf.get(p.group());
        if (g.failed()) {
          answers.add(g.cause());
        } else if (g.result() == null) {
          answers.add(TopicsHandler.notFound(p.group()));
        } else {
          List<Future<PublishResult>> each = new ArrayList<>();
          for (NewMessage m : p.toEndpoints(g.result().endpoints())) {
            each.add(ingest.publish(m));
          }
          answers.add(each);
        }
      }
    }
    List<Future<?>> all = new ArrayList<>();
    for (Object a : answers) {
      if (a instanceof Future<?> f) {
        all.add(f);
      } else if (a instanceof List<?> l) {
        l.forEach(f -> all.add((Future<?>) f));
      }
    }
    Future.join(all).onComplete(done -> respond(ctx, answers, all));
  }

  /**
   * 200 with the answers in order. Only when nothing at all was stored because the storage failed (Redis
   * unreachable) is the whole batch a failure: a 200 full of errors would hide an outage.
   */
  private static void respond(RoutingContext ctx, List<Object> answers, List<Future<?>> stores) {
    if (!stores.isEmpty() && stores.stream().allMatch(Future::failed)
        && stores.stream().anyMatch(f -> !clientError(f.cause()))) {
      ctx.fail(stores.stream().filter(f -> !clientError(f.cause())).findFirst().orElseThrow().cause());
      return;
    }
    JsonArray out = new JsonArray();
    for (Object a : answers) {
      if (a instanceof List<?> each) {
        JsonArray nested = new JsonArray();
        each.forEach(f -> nested.add(answer(f)));
        out.add(nested);
      } else {
        out.add(answer(a));
      }
    }
    Json.send(ctx, 200, out);
  }

  private static JsonObject answer(Object a) {
    if (a instanceof Future<?> f) {
      return f.succeeded() ? PublishHandler.json((PublishResult) f.result()) : error(f.cause());
    }
    return a instanceof String s ? new JsonObject().put("error", s) : error((Throwable) a);
  }

  private static JsonObject error(Throwable t) {
    String message = t instanceof ApiException || clientError(t) ? t.getMessage() : "storage unavailable, retry later";
    return new JsonObject().put("error", message);
  }

  /** Failures that are the item's own (validation, quota, backlog), not the storage's. */
  private static boolean clientError(Throwable t) {
    return t instanceof ApiException || t instanceof QueueService.QuotaExceededException
        || t instanceof IngestService.BacklogFullException || t instanceof dev.courier.model.LimitExceededException;
  }

  private Item parse(int i, JsonObject item, String ip, long now) {
    String destination = item.getString("destination");
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    JsonObject given = item.getJsonObject("headers");
    if (given != null) {
      given.forEach(h -> headers.add(h.getKey(), String.valueOf(h.getValue())));
    }
    String body = item.getString("body");
    int q = destination.indexOf('?');
    try {
      String queue = item.getString("queue");
      if (queue != null) {
        QueuesHandler.name(queue);
      }
      return new Item(parser.parsePublish(q < 0 ? destination : destination.substring(0, q),
          q < 0 ? null : destination.substring(q + 1), headers,
          body == null ? Buffer.buffer() : Buffer.buffer(body.getBytes(StandardCharsets.UTF_8)), ip, now, queue), null);
    } catch (ApiException e) {
      return new Item(null, e.getMessage());
    }
  }

  /** The batch's items, each checked for its shape; 400 (or 413 past the bound) naming the first problem. */
  private JsonArray items(Buffer body) {
    JsonArray items;
    try {
      items = body == null || body.length() == 0 ? null : new JsonArray(body);
    } catch (DecodeException | ClassCastException e) {
      items = null;
    }
    if (items == null) {
      throw ApiException.badRequest("a JSON array of messages is required: [{\"destination\", \"headers\", \"body\","
          + " \"queue\"}]");
    }
    if (items.isEmpty()) {
      throw ApiException.badRequest("the batch is empty");
    }
    if (items.size() > maxMessages) {
      throw new ApiException(413, "a batch of " + items.size() + " messages is over the limit of " + maxMessages
          + " (batch.max-messages); nothing was stored");
    }
    for (int i = 0; i < items.size(); i++) {
      if (!(items.getValue(i) instanceof JsonObject item)) {
        throw ApiException.badRequest("[" + i + "] is not an object; nothing was stored");
      }
      for (String field : item.fieldNames()) {
        if (!ITEM_FIELDS.contains(field)) {
          throw ApiException.badRequest("[" + i + "]: unknown field '" + field + "' (an item has destination, headers,"
              + " body and queue); nothing was stored");
        }
      }
      if (!(item.getValue("destination") instanceof String)) {
        throw ApiException.badRequest("[" + i + "]: destination is required (a string); nothing was stored");
      }
      Object headers = item.getValue("headers");
      if (headers != null) {
        if (!(headers instanceof JsonObject h)) {
          throw ApiException.badRequest("[" + i + "]: headers must be an object of strings; nothing was stored");
        }
        for (var e : h) {
          if (!(e.getValue() instanceof String || e.getValue() instanceof Number || e.getValue() instanceof Boolean)) {
            throw ApiException.badRequest("[" + i + "]: header " + e.getKey() + " must be a string; nothing was stored");
          }
        }
      }
      if (item.getValue("body") != null && !(item.getValue("body") instanceof String)) {
        throw ApiException.badRequest("[" + i + "]: body must be a string; nothing was stored");
      }
      if (item.getValue("queue") != null && !(item.getValue("queue") instanceof String)) {
        throw ApiException.badRequest("[" + i + "]: queue must be a string; nothing was stored");
      }
    }
    return items;
  }
}
