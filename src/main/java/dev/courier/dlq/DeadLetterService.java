package dev.courier.dlq;

import dev.courier.messages.MessageView;
import dev.courier.model.Gates;
import dev.courier.model.HeaderCodec;
import dev.courier.model.MessageCodec;
import dev.courier.model.StoredMessage;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.MessageFields;
import dev.courier.redis.ScriptRunner;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Reads and deletes dead letters (qstash-api.md §5.4, §11). A dead letter is the message's hash,
 * renamed, plus its last response. Listing is newest first across shards; the cursor is opaque
 * ({@code <shard>-<offset>}) and omitted on the last page.
 */
public final class DeadLetterService {
  /**
   * A page stops early, with a cursor, once its bodies pass this size: a dead letter keeps a body of up
   * to the body limit and a response body, so a hundred of them could be hundreds of MiB on one heap.
   */
  static final long PAGE_BYTES = 8L * 1024 * 1024;
  /** Dead letters read per round trip, so that a page is cut before much more than PAGE_BYTES is read. */
  private static final int CHUNK = 10;
  /**
   * Most dead letters a filtered page reads: a filter that matches few of many cannot make one request
   * read the whole DLQ. A page that reaches it ends with a cursor, with fewer items than asked or none.
   */
  static final int SCAN_BUDGET = 1000;

  /** The fields a dead letter is read with, in this order: the message, then what the failure added. */
  private static final List<String> FIELDS = List.of(MessageFields.MESSAGE, MessageFields.MESSAGE_ID,
      MessageFields.DLQ_ID, MessageFields.RESPONSE_STATUS, MessageFields.RESPONSE_HEADERS, MessageFields.RESPONSE_BODY,
      MessageFields.ERROR, MessageFields.RETRIED);

  private final ScriptRunner scripts;
  private final Keys keys;
  private final int scanBudget;

  public DeadLetterService(ScriptRunner scripts, Keys keys) {
    this(scripts, keys, SCAN_BUDGET);
  }

  /** @param scanBudget most dead letters a filtered page reads (tests use a small one) */
  public DeadLetterService(ScriptRunner scripts, Keys keys, int scanBudget) {
    this.scripts = scripts;
    this.keys = keys;
    this.scanBudget = scanBudget;
  }

  /** A cursor's start of a shard: every score lies below. */
  private static final long TOP = Long.MAX_VALUE;
  private static final java.util.regex.Pattern DLQ_ID = java.util.regex.Pattern.compile("[0-9]+-[0-9]+");

  /**
   * One page: {@code {"messages":[…], "cursor"?}}. The cursor is a position, not an offset:
   * {@code <shard>-<score>-<dlqId>} continues, in that shard, right after the dead letter {@code dlqId}
   * that failed at {@code score} (ms): with those that failed at the same millisecond and sort below it,
   * then with those that failed earlier. Dead letters deleted or added meanwhile (a client that deletes
   * each page it reads, as the SDK's loop does) shift nothing: with an offset, deleting a page made the
   * next one skip as many.
   */
  public Future<JsonObject> list(String cursor, int count) {
    return list(cursor, count, DeadLetterFilter.NONE);
  }

  /** A page of the dead letters that match {@code filter}; see {@link #list(String, int)}. */
  public Future<JsonObject> list(String cursor, int count, DeadLetterFilter filter) {
    int shard = 0;
    long score = TOP;
    String after = "";
    if (cursor != null) {
      try {
        String[] parts = cursor.split("-", 3);
        if (parts.length != 3 || !(parts[2].isEmpty() || DLQ_ID.matcher(parts[2]).matches())) {
          throw new IllegalArgumentException("not shard-score-dlqId");
        }
        shard = Integer.parseInt(parts[0]);
        score = Long.parseLong(parts[1]);
        after = parts[2];
        if (shard < 0 || score < 0) {
          throw new IllegalArgumentException("negative");
        }
      } catch (RuntimeException e) {
        return Future.failedFuture(dev.courier.api.ApiException.badRequest("invalid cursor"));
      }
    }
    JsonArray messages = new JsonArray();
    return page(new Page(count, filter, messages), shard, score, after).map(next -> {
      JsonObject out = new JsonObject().put("messages", messages);
      if (next != null) {
        out.put("cursor", next);
      }
      return out;
    });
  }

  /** What one page gathers: {@code count} items of {@code filter} at most, their bodies' size, what it read. */
  private final class Page {
    final int count;
    final DeadLetterFilter filter;
    final JsonArray out;
    long bytes;
    int scanned;

    Page(int count, DeadLetterFilter filter, JsonArray out) {
      this.count = count;
      this.filter = filter;
      this.out = out;
    }

    boolean full() {
      return out.size() >= count || bytes >= PAGE_BYTES || scanned >= scanBudget;
    }
  }

  /**
   * Fills the page from the position ({@code shard}, {@code score}, {@code after}; {@code after} empty: from
   * {@code score} inclusive) onwards, a chunk at a time, until it is {@link Page#full}; the future carries the
   * next cursor or null.
   */
  private Future<String> page(Page p, int shard, long score, String after) {
    if (shard >= keys.shards()) {
      return Future.succeededFuture(null);
    }
    int wanted = p.filter.isEmpty() ? Math.min(p.count - p.out.size(), CHUNK)
        : Math.min(scanBudget - p.scanned, 5 * CHUNK);
    String key = keys.dlq(shard);
    String top = score == TOP ? "+inf" : after.isEmpty() ? Long.toString(score) : "(" + score;
    // Those that failed at the cursor's very millisecond and sort below its id come first (ZRANGE … REV
    // orders equal scores by id, descending); a millisecond rarely holds more than a few.
    Future<Response> ties = after.isEmpty() ? Future.succeededFuture(null)
        : scripts.redis().send(shard,
            Request.cmd(Command.ZRANGE).arg(key).arg(score).arg(score).arg("BYSCORE").arg("REV"));
    Future<Response> below = scripts.redis().send(shard, Request.cmd(Command.ZRANGE).arg(key).arg(top).arg("-inf")
        .arg("BYSCORE").arg("REV").arg("WITHSCORES").arg("LIMIT").arg(0).arg(wanted + 1));
    return Future.all(ties, below).compose(both -> {
      List<String> ids = new ArrayList<>();
      List<Long> scores = new ArrayList<>();
      if (ties.result() != null) {
        for (Response r : ties.result()) {
          if (r.toString().compareTo(after) < 0) {
            ids.add(r.toString());
            scores.add(score);
          }
        }
      }
      readScored(below.result(), ids, scores);
      boolean more = ids.size() > wanted;
      int taken = Math.min(wanted, ids.size());
      return getAll(shard, ids.subList(0, taken)).compose(items -> {
        for (int i = 0; i < items.size(); i++) {
          JsonObject item = items.get(i); // null: deleted since the range was read
          p.scanned++;
          if (item != null && p.filter.matches(item, scores.get(i))) {
            p.out.add(item);
            p.bytes += size(item);
          }
          if (p.full()) {
            // The position is that of the last id read, listed or deleted meanwhile.
            return i + 1 < items.size() || more ? Future.succeededFuture(shard + "-" + scores.get(i) + "-" + ids.get(i))
                : nextNonEmpty(shard + 1);
          }
        }
        return more ? page(p, shard, scores.get(taken - 1), ids.get(taken - 1)) : page(p, shard + 1, TOP, "");
      });
    });
  }

  /** The dead letters of these ids that exist, in the order given (a missing one is left out). */
  public Future<JsonArray> byIds(List<String> dlqIds) {
    List<Future<JsonObject>> all = new ArrayList<>();
    dlqIds.forEach(id -> all.add(get(id)));
    return Future.all(all).map(cf -> {
      JsonArray out = new JsonArray();
      all.stream().map(Future::result).filter(j -> j != null).forEach(out::add);
      return out;
    });
  }

  /** ZRANGE … WITHSCORES as ids and scores: pairs under RESP3, one flat list under RESP2. */
  private static void readScored(Response reply, List<String> ids, List<Long> scores) {
    for (int i = 0; i < reply.size(); ) {
      Response e = reply.get(i);
      if (e.type() == ResponseType.MULTI) {
        ids.add(e.get(0).toString());
        scores.add(e.get(1).toDouble().longValue());
        i++;
      } else {
        ids.add(e.toString());
        scores.add(reply.get(i + 1).toDouble().longValue());
        i += 2;
      }
    }
  }

  /** About what a dead letter weighs in the answer: its text values, the bodies above all, as JSON. */
  static long size(JsonObject item) {
    long size = 0;
    for (var e : item) {
      if (e.getValue() instanceof String text) {
        size += jsonLength(text);
      }
    }
    return size;
  }

  /**
   * The bytes a string takes in the JSON answer: a control character is escaped to six bytes (backslash, u and four hex digits),
   * so a 1 MiB body of them weighs 6 MiB, which counting characters missed (a page of them ran the heap
   * out while it was encoded).
   */
  static long jsonLength(String text) {
    long n = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20) {
        n += 6;
      } else if (c == '"' || c == '\\') {
        n += 2;
      } else if (c < 0x80) {
        n += 1;
      } else {
        n += c < 0x800 ? 2 : 3; // UTF-8; a surrogate pair counts 3 + 3, a little over its 4 bytes
      }
    }
    return n;
  }

  private Future<String> nextNonEmpty(int shard) {
    if (shard >= keys.shards()) {
      return Future.succeededFuture(null);
    }
    return scripts.redis().send(shard, Request.cmd(Command.ZCARD).arg(keys.dlq(shard)))
        .compose(n -> n.toLong() > 0 ? Future.succeededFuture(shard + "-" + TOP + "-") : nextNonEmpty(shard + 1));
  }

  /** In the order asked, with null for a dead letter gone meanwhile. */
  private Future<List<JsonObject>> getAll(int shard, List<String> dlqIds) {
    List<Future<JsonObject>> all = new ArrayList<>();
    dlqIds.forEach(id -> all.add(get(shard, id)));
    return Future.all(all).map(cf -> all.stream().map(Future::result).toList());
  }

  /** The dead letter, or null when unknown. */
  public Future<JsonObject> get(String dlqId) {
    return find(dlqId).compose(shard -> shard < 0 ? Future.succeededFuture(null) : get(shard, dlqId));
  }

  private Future<JsonObject> get(int shard, String dlqId) {
    Request req = Request.cmd(Command.HMGET).arg(keys.deadLetter(shard, dlqId));
    FIELDS.forEach(req::arg);
    return scripts.redis().send(shard, req).map(f -> render(f));
  }

  private static JsonObject render(Response f) {
    int n = 1;
    if (f == null || f.get(0) == null || f.get(1) == null) {
      return null;
    }
    JsonObject json = MessageView.render(f.get(1).toString(), f.get(0));
    json.put("dlqId", f.get(n + 1).toString());
    if (f.get(n + 2) != null) {
      json.put("responseStatus", f.get(n + 2).toInteger());
      JsonObject headers = HeaderCodec.toJson(f.get(n + 3) == null ? null : f.get(n + 3).toString());
      json.put("responseHeader", headers).put("responseHeaders", headers);
      if (f.get(n + 4) != null) {
        MessageView.putBody(json, "responseBody", "responseBodyBase64", f.get(n + 4).toBuffer());
      }
    }
    if (f.get(n + 5) != null) {
      json.put("error", f.get(n + 5).toString());
    }
    json.put("retried", f.get(n + 6).toInteger());
    return json;
  }

  /** Most dead letters one trim call deletes: a call stays short however many expired at once. */
  static final int TRIM_BATCH = 1000;

  /**
   * Deletes the dead letters that failed before {@code cutoff} (unix ms), in every shard, in calls of at most
   * {@link #TRIM_BATCH}, until none is left; the number deleted.
   */
  public Future<Long> trim(long cutoff) {
    return trim(cutoff, () -> true);
  }

  /**
   * As {@link #trim(long)}, but makes a next call only while {@code goOn} says so: a node that stops lets the call
   * under way end and leaves the rest to the next trim (a large expiry would otherwise hold its stop).
   */
  public Future<Long> trim(long cutoff, BooleanSupplier goOn) {
    Future<Long> all = Future.succeededFuture(0L);
    for (int s = 0; s < keys.shards(); s++) {
      int shard = s;
      all = all.compose(n -> goOn.getAsBoolean() ? trim(shard, cutoff, n, goOn) : Future.succeededFuture(n));
    }
    return all;
  }

  private Future<Long> trim(int shard, long cutoff, long sofar, BooleanSupplier goOn) {
    return scripts.run(shard, LuaScript.TRIM_DEAD_LETTERS, List.of(keys.dlq(shard)),
        List.of(cutoff, keys.deadLetterPrefix(shard), TRIM_BATCH)).compose(r -> r.toLong() < TRIM_BATCH
            || !goOn.getAsBoolean() ? Future.succeededFuture(sofar + r.toLong())
            : trim(shard, cutoff, sofar + r.toLong(), goOn));
  }

  /**
   * Retries a dead letter: a new message (a new id, in the dead letter's shard, so in its queue's or key's)
   * with the dead one's body, headers and options and the {@code overrides}, stored in the same script that
   * takes the dead letter out of the DLQ. The new id, or null when there is no such dead letter (or it was
   * retried or deleted meanwhile).
   */
  public Future<String> retry(String dlqId, RetryOverrides overrides, long now) {
    return find(dlqId).compose(shard -> {
      if (shard < 0) {
        return Future.succeededFuture(null);
      }
      String key = keys.deadLetter(shard, dlqId);
      return scripts.redis().send(shard, Request.cmd(Command.HGET).arg(key).arg(MessageFields.MESSAGE)).compose(m -> {
        if (m == null) {
          return Future.succeededFuture(null);
        }
        StoredMessage next = overrides.apply(MessageCodec.decode(m.toBuffer()), now);
        String id = Keys.messageId(shard);
        String gate = next.queueName() != null ? Gates.queue(next.queueName())
            : next.flowControl() != null ? Gates.flowControl(next.flowControl().key()) : "";
        String limits = next.queueName() == null && next.flowControl() != null ? next.flowControl().limits() : "";
        return scripts.run(shard, LuaScript.RETRY_DEAD_LETTER, keys.logged(shard, List.of(keys.dlq(shard), key,
                keys.messages(shard), keys.due(shard), keys.gated(shard), keys.gates(shard), keys.flows(shard))),
            List.of(dlqId, id, MessageCodec.encode(next), next.notBefore(), gate, limits, keys.gatePrefix(shard), now))
            .map(r -> r.toLong() == 1L ? id : null);
      });
    });
  }

  public Future<Boolean> delete(String dlqId) {
    return find(dlqId).compose(shard -> shard < 0 ? Future.succeededFuture(false)
        : scripts.run(shard, LuaScript.DELETE_DEAD_LETTER, List.of(keys.dlq(shard), keys.deadLetter(shard, dlqId)),
            List.of(dlqId)).map(r -> r.toLong() == 1L));
  }

  /**
   * The shard holding {@code dlqId}, or -1. A dead letter stays in its message's shard, which its id names
   * (one EXISTS); one written by storage layout 2 does not, and is looked for in every shard.
   */
  private Future<Integer> find(String dlqId) {
    int named = keys.shardOfDeadLetter(dlqId);
    if (named < 0) {
      return Future.succeededFuture(-1);
    }
    return scripts.redis().send(named, Request.cmd(Command.EXISTS).arg(keys.deadLetter(named, dlqId)))
        .compose(r -> r.toLong() == 1L ? Future.succeededFuture(named) : find(dlqId, 0));
  }

  private Future<Integer> find(String dlqId, int shard) {
    if (shard >= keys.shards()) {
      return Future.succeededFuture(-1);
    }
    return scripts.redis().send(shard, Request.cmd(Command.EXISTS).arg(keys.deadLetter(shard, dlqId)))
        .compose(r -> r.toLong() == 1L ? Future.succeededFuture(shard) : find(dlqId, shard + 1));
  }
}
