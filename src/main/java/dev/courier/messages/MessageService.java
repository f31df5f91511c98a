package dev.courier.messages;

import dev.courier.model.MessageCodec;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.ScriptRunner;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and cancels pending messages. A message is visible only while pending, retrying or in flight;
 * once delivered, dead or cancelled it is gone (qstash-api.md §5.3).
 */
public final class MessageService {
  private static final int SCAN_PAGE = 500;

  private final ScriptRunner scripts;
  private final Keys keys;

  public MessageService(ScriptRunner scripts, Keys keys) {
    this.scripts = scripts;
    this.keys = keys;
  }

  /** The message's JSON view, or null when it is unknown or terminal. */
  public Future<JsonObject> get(String id) {
    int s = keys.shardOf(id);
    Request req = Request.cmd(Command.HGET).arg(keys.messages(s)).arg(id);
    return scripts.redis().send(s, req).map(reply -> MessageView.render(id, reply));
  }

  public Future<Boolean> cancel(String id) {
    int s = keys.shardOf(id);
    return scripts.run(s, LuaScript.CANCEL_MESSAGE, keys.cancelKeys(s), List.of(id, keys.gatePrefix(s)))
        .map(r -> r.toLong() == 1L);
  }

  /** Ids cancelled at once: a bounded number of script calls in flight per bulk cancel. */
  private static final int CANCEL_CHUNK = 100;

  /** Cancels each id, a chunk at a time; the count is of messages actually cancelled. */
  public Future<Integer> cancel(List<String> ids) {
    return cancelFrom(ids, 0, 0);
  }

  private Future<Integer> cancelFrom(List<String> ids, int from, int done) {
    if (from >= ids.size()) {
      return Future.succeededFuture(done);
    }
    List<Future<Boolean>> chunk = new ArrayList<>();
    for (String id : ids.subList(from, Math.min(ids.size(), from + CANCEL_CHUNK))) {
      chunk.add(cancel(id));
    }
    return Future.all(chunk).compose(cf -> cancelFrom(ids, from + chunk.size(),
        done + (int) chunk.stream().filter(Future::result).count()));
  }

  /**
   * Cancels pending and in-flight messages matching {@code filter}, at most {@code limit} of them.
   * Scans every shard's wheel, lease set, queues and flow-control waitlists page by page: an admin operation, off
   * the hot path.
   */
  public Future<Integer> cancel(MessageFilter filter, int limit) {
    int[] cancelled = {0};
    Future<Void> chain = Future.succeededFuture();
    for (int s = 0; s < keys.shards(); s++) {
      int shard = s;
      chain = chain.compose(v -> scan(keys.due(shard), "0", shard, filter, limit, cancelled))
          .compose(v -> scan(keys.lease(shard), "0", shard, filter, limit, cancelled))
          .compose(v -> scripts.redis().send(shard, Request.cmd(Command.SUNION).arg(keys.gates(shard))
              .arg(keys.flows(shard))))
          .compose(gates -> {
            Future<Void> lists = Future.succeededFuture();
            for (Response gate : gates) {
              String ready = keys.gateReady(shard, gate.toString());
              lists = lists.compose(v -> scanList(ready, 0, shard, filter, limit, cancelled));
            }
            return lists;
          });
    }
    return chain.map(v -> cancelled[0]);
  }

  /** A queue's ready list, a page at a time; what is cancelled leaves the list, so the next page starts earlier. */
  private Future<Void> scanList(String list, long start, int shard, MessageFilter filter, int limit,
      int[] cancelled) {
    if (cancelled[0] >= limit) {
      return Future.succeededFuture();
    }
    return scripts.redis().send(shard, Request.cmd(Command.LRANGE).arg(list).arg(start).arg(start + SCAN_PAGE - 1))
        .compose(page -> {
          List<String> ids = new ArrayList<>();
          page.forEach(id -> ids.add(id.toString()));
          int before = cancelled[0];
          return cancelMatching(ids, shard, filter, limit, cancelled).compose(v -> ids.size() < SCAN_PAGE
              ? Future.succeededFuture()
              : scanList(list, start + SCAN_PAGE - (cancelled[0] - before), shard, filter, limit, cancelled));
        });
  }

  private Future<Void> scan(String set, String cursor, int shard, MessageFilter filter, int limit, int[] cancelled) {
    if (cancelled[0] >= limit) {
      return Future.succeededFuture();
    }
    return scripts.redis().send(shard, Request.cmd(Command.ZSCAN).arg(set).arg(cursor).arg("COUNT").arg(SCAN_PAGE))
        .compose(reply -> {
          String next = reply.get(0).toString();
          Response members = reply.get(1);
          List<String> ids = new ArrayList<>();
          for (int i = 0; i < members.size(); i += 2) {
            String member = members.get(i).toString();
            ids.add(set.equals(keys.lease(shard)) ? Keys.leasedId(member) : member);
          }
          return cancelMatching(ids, shard, filter, limit, cancelled)
              .compose(v -> "0".equals(next) ? Future.succeededFuture()
                  : scan(set, next, shard, filter, limit, cancelled));
        });
  }

  private Future<Void> cancelMatching(List<String> ids, int shard, MessageFilter filter, int limit, int[] cancelled) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    Request req = Request.cmd(Command.HMGET).arg(keys.messages(shard));
    ids.forEach(req::arg);
    Future<List<String>> matched = scripts.redis().send(shard, req).map(stored -> {
      List<String> hits = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        Response m = stored.get(i);
        if (m != null && filter.matches(MessageCodec.decode(m.toBuffer()))) {
          hits.add(ids.get(i));
        }
      }
      return hits;
    });
    // Match the whole page first, then cancel no more than the limit leaves room for.
    return matched.compose(hits -> cancel(hits.subList(0, Math.min(hits.size(), Math.max(0, limit - cancelled[0])))))
        .map(n -> {
          cancelled[0] += n;
          return null;
        });
  }
}
