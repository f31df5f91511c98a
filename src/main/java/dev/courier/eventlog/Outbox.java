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
 * Confirmed entries are trimmed up to the oldest one still unconfirmed, so a stream holds what the database has not
 * stored yet, and what other writers stored after that oldest one (one node: nothing more).
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

  /**
   * Confirms stored entries, then trims the stream below the oldest entry that some writer has not confirmed yet.
   * A trim drops whole blocks of entries; an XDEL per entry cost Redis 4.5 ms per checkpoint at the full rate
   * (half a microsecond per message, in one stall a second: docs/performance.md, session 21). The bound is read in
   * the transaction that confirms (pending and last-read at one instant), so it never passes an entry read but
   * not confirmed, by any writer: an entry below it was read and confirmed, and stays so.
   */
  public Future<Void> ack(int shard, List<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    String stream = keys.events(shard);
    Request ack = Request.cmd(Command.XACK).arg(stream).arg(GROUP);
    for (String id : ids) {
      ack.arg(id);
    }
    redis.send(shard, Request.cmd(Command.MULTI));
    redis.send(shard, ack);
    redis.send(shard, Request.cmd(Command.XPENDING).arg(stream).arg(GROUP));
    redis.send(shard, Request.cmd(Command.XINFO).arg("GROUPS").arg(stream));
    return redis.send(shard, Request.cmd(Command.EXEC)).compose(r -> {
      String bound = trimBound(r.get(1), r.get(2));
      return bound == null ? Future.<Void>succeededFuture()
          : redis.send(shard, Request.cmd(Command.XTRIM).arg(stream).arg("MINID").arg(bound)).<Void>mapEmpty();
    });
  }

  /**
   * The lowest id to keep: the oldest pending entry's, or else the one after the last entry the group read; null
   * when the group has read nothing.
   *
   * @param pending XPENDING's summary: count, smallest id, greatest id, consumers
   * @param groups XINFO GROUPS: one description per group (this one only)
   */
  static String trimBound(Response pending, Response groups) {
    if (pending != null && pending.get(0).toLong() > 0) {
      return pending.get(1).toString();
    }
    String last = null;
    for (Response group : groups) {
      if (GROUP.equals(field(group, "name"))) {
        last = field(group, "last-delivered-id");
      }
    }
    if (last == null || last.equals("0-0")) {
      return null;
    }
    int dash = last.indexOf('-');
    return last.substring(0, dash + 1) + Long.toUnsignedString(Long.parseUnsignedLong(last.substring(dash + 1)) + 1);
  }

  /** A field of an XINFO reply: a map in RESP3, name and value alternating in RESP2. */
  private static String field(Response info, String name) {
    if (info.type() == ResponseType.MULTI && info.containsKey(name)) {
      Response v = info.get(name);
      return v == null ? null : v.toString();
    }
    for (int i = 0; i + 1 < info.size(); i += 2) {
      if (name.equals(info.get(i).toString())) {
        Response v = info.get(i + 1);
        return v == null ? null : v.toString();
      }
    }
    return null;
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
