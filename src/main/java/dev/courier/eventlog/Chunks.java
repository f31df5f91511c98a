package dev.courier.eventlog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What the writer and the reader share of the chunks (V6__chunks.sql): their bounds, how a message's chunks are
 * found by its key, and how a chunk's runs read.
 */
final class Chunks {
  /**
   * The longest a chunk's events may span, ms: a page reads chunks by their last event's time and is exact only this
   * far back (EventPager). A batch's events of one message nearly always lie within milliseconds; a longer stretch
   * (retries within one batch, entries taken over from a dead writer) makes several runs, and several chunks.
   */
  static final long MAX_SPAN_MS = 500;
  /**
   * The keys of the messages created within one second: a layout 3 id's key is its creation time in ms (7 base62
   * characters) followed by 3 random ones (MessageKey). A chunk never spans two such seconds, so a message's chunks
   * have their smallest key between its second's first key and its own.
   */
  static final long KEY_SECOND = 1000L * 62 * 62 * 62;
  /** Ids per lookup statement: a few hundred parameters, far below any driver's limit. */
  static final int IDS_PER_LOOKUP = 100;

  private Chunks() {}

  /** The smallest key of {@code key}'s second. */
  static long secondOf(long key) {
    return key - Math.floorMod(key, KEY_SECOND);
  }

  /**
   * The condition that finds the chunks holding runs of any of {@code ids} (more chunks may match: the caller
   * compares each run's id), bound to {@code params}: a chunk among those each id's key range finds along the
   * (min_key) index. One range per id, joined by UNION ALL: an OR of ranges is not a range, and H2 scanned the
   * whole table for one (PostgreSQL combines them; both plans are checked in EventStoreReadContract).
   *
   * @param ids at most {@link #IDS_PER_LOOKUP}
   */
  static String holding(List<String> ids, Tuple params) {
    StringBuilder sql = new StringBuilder("seq IN (");
    for (int i = 0; i < ids.size(); i++) {
      long key = MessageKey.of(ids.get(i));
      sql.append(i > 0 ? " UNION ALL " : "").append("SELECT seq FROM eventlog_chunk WHERE min_key BETWEEN ? AND ? AND max_key >= ?");
      params.addLong(secondOf(key)).addLong(key).addLong(key);
    }
    return sql.append(')').toString();
  }

  /**
   * Hands {@code each} every stored run of {@code ids}, reading their chunks {@link #IDS_PER_LOOKUP} ids a statement,
   * one statement after the other.
   *
   * @param run executes a statement (on the writer's transaction, or on the pool for a page)
   */
  static Future<Void> runsOf(Collection<String> ids, Function<EventQuery.Sql, Future<RowSet<Row>>> run,
      Consumer<JsonObject> each) {
    List<String> all = new ArrayList<>(ids);
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < all.size(); from += IDS_PER_LOOKUP) {
      List<String> part = all.subList(from, Math.min(all.size(), from + IDS_PER_LOOKUP));
      Set<String> wanted = new HashSet<>(part);
      Tuple params = Tuple.tuple();
      String where = holding(part, params);
      EventQuery.Sql sql = new EventQuery.Sql("SELECT runs, runs_large FROM eventlog_chunk WHERE " + where, params);
      chain = chain.compose(v -> run.apply(sql).map(rows -> {
        rows.forEach(row -> runs(row, 0).forEach(o -> {
          JsonObject r = (JsonObject) o;
          if (wanted.contains(r.getString("i"))) {
            each.accept(r);
          }
        }));
        return null;
      }));
    }
    return chain;
  }

  /** A chunk's runs, from its two columns at {@code column} and the next (one of them is null). */
  static JsonArray runs(Row row, int column) {
    String text = row.getString(column);
    return new JsonArray(text != null ? text : row.getString(column + 1));
  }

  /** Whether the run holds its message's fields ("m" and the filtered ones beside it). */
  static boolean holdsFields(JsonObject run) {
    return run.containsKey("m");
  }
}
