package dev.courier.eventlog;

import dev.courier.redis.Keys;
import dev.courier.redis.RedisConnector;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.ArrayList;
import java.util.List;

/**
 * The Redis side of the event log: the shards' outbox streams (lua/includes/events.lua), read by every node's
 * writer through one consumer group, so each entry goes to one writer. An entry stays pending with its reader
 * until {@link #ack} (after the database stored it); one that a reader never confirms (its node died, or its
 * database was down) is taken over by another writer's {@link #claimStale} once it has waited long enough.
 * Confirmed entries are deleted, so a stream holds only what the database has not stored yet.
 */
public final class Outbox {
  static final String GROUP = "eventlog";

  /** One stream entry: its id and its fields, name and value alternating (events.lua). */
  public record Entry(String id, List<Response> fields) {
    /** The time in the entry's id, unix ms: Redis's clock when the script ran. */
    public long idTime() {
      return Long.parseLong(id.substring(0, id.indexOf('-')));
    }
  }

  /** @param next where the next {@link #claimStale} of the shard goes on from ("0-0": from the start) */
  public record Claimed(List<Entry> entries, String next) {}

  private final RedisConnector redis;
  private final Keys keys;
  private final String consumer;

  /** @param consumer this writer's name in the group, unique per process */
  public Outbox(RedisConnector redis, Keys keys, String consumer) {
    this.redis = redis;
    this.keys = keys;
    this.consumer = consumer;
  }

  /**
   * Creates the group on every shard's stream (and the stream, so scripts and readers agree from the start);
   * an existing group is kept. It reads from the stream's beginning: entries written before any writer ran are
   * stored too.
   */
  public Future<Void> createGroups() {
    Future<Void> chain = Future.succeededFuture();
    for (int s = 0; s < keys.shards(); s++) {
      String stream = keys.events(s);
      chain = chain.compose(v -> redis.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg(GROUP).arg("0")
          .arg("MKSTREAM")).<Void>mapEmpty().recover(err -> err.getMessage() != null
          && err.getMessage().contains("BUSYGROUP") ? Future.succeededFuture() : Future.failedFuture(err)));
    }
    return chain;
  }

  /** At most {@code count} entries no writer has read yet, oldest first. */
  public Future<List<Entry>> readNew(int shard, int count) {
    String stream = keys.events(shard);
    return redis.send(shard, Request.cmd(Command.XREADGROUP).arg("GROUP").arg(GROUP).arg(consumer).arg("COUNT")
        .arg(count).arg("STREAMS").arg(stream).arg(">")).map(r -> {
          if (r == null) {
            return List.of();
          }
          // RESP3 answers a map stream -> entries, RESP2 a list of [stream, entries]
          Response entries = r.type() == ResponseType.MULTI && r.size() > 0 && r.containsKey(stream) ? r.get(stream)
              : r.get(0).get(1);
          return entries(entries);
        });
  }

  /** Takes over at most {@code count} entries that other readers (or this one) left unconfirmed for minIdleMs. */
  public Future<Claimed> claimStale(int shard, long minIdleMs, int count, String from) {
    return redis.send(shard, Request.cmd(Command.XAUTOCLAIM).arg(keys.events(shard)).arg(GROUP).arg(consumer)
        .arg(minIdleMs).arg(from).arg("COUNT").arg(count))
        .map(r -> new Claimed(entries(r.get(1)), r.get(0).toString()));
  }

  /** Confirms stored entries and deletes them, in one transaction. */
  public Future<Void> ack(int shard, List<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    String stream = keys.events(shard);
    Request ack = Request.cmd(Command.XACK).arg(stream).arg(GROUP);
    Request del = Request.cmd(Command.XDEL).arg(stream);
    for (String id : ids) {
      ack.arg(id);
      del.arg(id);
    }
    redis.send(shard, Request.cmd(Command.MULTI));
    redis.send(shard, ack);
    redis.send(shard, del);
    return redis.send(shard, Request.cmd(Command.EXEC)).mapEmpty();
  }

  /**
   * How far the database is behind on a shard: entries waiting (read or not) and the time of the oldest, unix
   * ms (0 when none).
   */
  public Future<long[]> backlog(int shard) {
    String stream = keys.events(shard);
    Future<Response> len = redis.send(shard, Request.cmd(Command.XLEN).arg(stream));
    Future<Response> first = redis.send(shard, Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+")
        .arg("COUNT").arg(1));
    return Future.all(len, first).map(v -> {
      List<Entry> oldest = entries(first.result());
      return new long[] {len.result().toLong(), oldest.isEmpty() ? 0 : oldest.get(0).idTime()};
    });
  }

  private static List<Entry> entries(Response list) {
    if (list == null || list.size() == 0) {
      return List.of();
    }
    List<Entry> out = new ArrayList<>(list.size());
    for (Response e : list) {
      // an entry deleted while pending comes back without fields (Redis 6.2); nothing is left to store
      if (e != null && e.size() == 2 && e.get(1) != null) {
        List<Response> fields = new ArrayList<>(e.get(1).size());
        for (Response f : e.get(1)) {
          fields.add(f);
        }
        out.add(new Entry(e.get(0).toString(), fields));
      }
    }
    return out;
  }
}
