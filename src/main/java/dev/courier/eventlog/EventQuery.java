package dev.courier.eventlog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.function.Consumer;

/**
 * The SQL that reads the chunks (V6__chunks.sql) a page of the log comes from, and the log entries (qstash-api.md
 * §5.8) of a chunk's runs. Chunks are read along {@code eventlog_chunk_time}, (last_time, seq), from a keyset: a deep
 * page costs what the first one does. The database narrows them by time, state and message id; the filters on a
 * message's fields are read here, in Java, from the run that holds them (the run itself, mostly, else one found by
 * the message's key). Which of the events belong on the page, and in what order, is {@link EventPager}'s part: a
 * chunk only says its events lie between first_time and last_time.
 */
final class EventQuery {
  private static final String SELECT = "SELECT seq, last_time, runs, runs_large, first_time FROM eventlog_chunk";

  /** A statement and its parameters. */
  record Sql(String text, Tuple params) {}

  /** An event's place in the log's order: its time, then its chunk, then its place in the chunk. */
  record Key(long time, long seq, int index) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = Long.compare(time, o.time);
      if (c == 0) {
        c = Long.compare(seq, o.seq);
      }
      return c != 0 ? c : Integer.compare(index, o.index);
    }

    @Override
    public String toString() {
      // The shape of the docs' example cursor, "1686652644442-12", with the place in the chunk.
      return time + "-" + seq + "-" + index;
    }

    /**
     * @throws IllegalArgumentException naming the cursor when it is not one of ours. A cursor of version 2's
     *     "time-seq" shape (from a node before the upgrade) goes on from its time. One of versions 3 to 5 (a run's
     *     seq) goes on from its time with the chunks' numbers: it may repeat or skip events of its millisecond.
     */
    static Key parse(String cursor) {
      String[] parts = cursor.split("-", -1);
      try {
        if (parts.length == 2 || parts.length == 3) {
          long time = Long.parseLong(parts[0]);
          long seq = Long.parseLong(parts[1]);
          int index = parts.length == 3 ? Integer.parseInt(parts[2]) : 0;
          if (time >= 0 && seq >= 0 && index >= 0) {
            // version 2's seq numbered another table: such a cursor goes on with its millisecond's events
            return parts.length == 3 ? new Key(time, seq, index) : new Key(time, Long.MAX_VALUE, 0);
          }
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw new IllegalArgumentException("invalid cursor: " + cursor);
    }
  }

  /**
   * Where the previous read of chunks stopped: after the chunk (time, seq) in the page's order, time being its
   * last_time newest first, its first_time oldest first.
   */
  record RunKey(long time, long seq) {}

  private EventQuery() {}

  /**
   * At most {@code limit} chunks that may hold events of the page, in the page's order (newest first: by last_time,
   * seq, descending; oldest first: by first_time, seq), after the chunk {@code past} (null: from the start): those
   * that may hold a run of a wanted message with an event of a wanted state that may lie in the filter's dates and
   * past the cursor {@code after}.
   */
  static Sql chunks(EventFilter f, Key after, RunKey past, boolean newestFirst, int limit) {
    StringBuilder sql = new StringBuilder(SELECT).append(" WHERE 1 = 1");
    Tuple params = Tuple.tuple();
    if (!f.messageIds().isEmpty()) {
      sql.append(" AND ").append(Chunks.holding(f.messageIds(), params));
    }
    any(sql, params, "states", f.states());
    // A chunk holds events from first_time to last_time, at most MAX_SPAN_MS apart: it may hold an event at or
    // after `from` if it ends there or later, and then it starts at from - MAX_SPAN_MS or later; at or before `to`
    // if it starts there or earlier, and then it ends by to + MAX_SPAN_MS. The second bound of each pair is one the
    // index the page reads along can use. The page's cursor is one more bound of the same kind.
    Long from = f.fromDate();
    Long to = f.toDate();
    if (after != null && newestFirst) {
      to = to == null ? after.time() : Math.min(to, after.time());
    } else if (after != null) {
      from = from == null ? after.time() : Math.max(from, after.time());
    }
    if (from != null) {
      sql.append(" AND last_time >= ? AND first_time >= ?");
      params.addLong(from).addLong(from - Chunks.MAX_SPAN_MS);
    }
    if (to != null) {
      sql.append(" AND first_time <= ? AND last_time <= ?");
      params.addLong(to).addLong(to + Chunks.MAX_SPAN_MS);
    }
    String column = newestFirst ? "last_time" : "first_time";
    String op = newestFirst ? "<" : ">";
    if (past != null) {
      // The first term bounds the index range; the second only sorts out the chunks of the last one's millisecond.
      // (A row value comparison, (last_time, seq) < (?, ?), is not a range on every database's planner.)
      sql.append(" AND ").append(column).append(' ').append(op).append("= ? AND (").append(column).append(' ')
          .append(op).append(" ? OR seq ").append(op).append(" ?)");
      params.addLong(past.time()).addLong(past.time()).addLong(past.seq());
    }
    String dir = newestFirst ? " DESC" : " ASC";
    sql.append(" ORDER BY ").append(column).append(dir).append(", seq").append(dir).append(" LIMIT ?");
    params.addInteger(limit);
    return new Sql(sql.toString(), params);
  }

  /** Whether a message with these fields (a run's, null when none was found) passes the filters on them. */
  static boolean matches(EventFilter f, JsonObject run) {
    boolean filtersFields = !(f.urls().isEmpty() && f.topicNames().isEmpty() && f.scheduleIds().isEmpty()
        && f.queueNames().isEmpty() && f.callerIps().isEmpty() && f.flowControlKeys().isEmpty()
        && f.hosts().isEmpty() && f.paths().isEmpty() && f.labels().isEmpty());
    if (!filtersFields) {
      return true;
    }
    if (run == null) {
      return false; // nothing is known of the message: no filter on it matches
    }
    if (!in(f.urls(), run.getString("url")) || !in(f.topicNames(), run.getString("topicName"))
        || !in(f.scheduleIds(), run.getString("scheduleId")) || !in(f.queueNames(), run.getString("queueName"))
        || !in(f.callerIps(), run.getString("callerIp")) || !in(f.flowControlKeys(), run.getString("flowControlKey"))
        || !in(f.hosts(), run.getString("host")) || !in(f.paths(), run.getString("path"))) {
      return false;
    }
    if (f.labels().isEmpty()) {
      return true;
    }
    JsonArray labels = run.getJsonObject("m").getJsonArray("labels");
    return labels != null && f.labels().stream().anyMatch(labels::contains);
  }

  /** An empty list does not filter; a value must be one of a list's. */
  private static boolean in(List<String> values, String value) {
    return values.isEmpty() || (value != null && values.contains(value));
  }

  /** The column, a list like ",a,b,", holds any of the values (which hold no comma). */
  private static void any(StringBuilder sql, Tuple params, String column, List<String> values) {
    if (values.isEmpty()) {
      return;
    }
    sql.append(" AND (");
    for (int i = 0; i < values.size(); i++) {
      sql.append(i == 0 ? "" : " OR ").append(column).append(" LIKE ? ESCAPE '\\'");
      params.addString("%," + values.get(i).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
          + ",%");
    }
    sql.append(')');
  }

  /** The place of a row of {@link #chunks} in the page's order: where the next read of chunks goes on from. */
  static RunKey runKey(Row row, boolean newestFirst) {
    return new RunKey(row.getLong(newestFirst ? 1 : 4), row.getLong(0));
  }

  static long seq(Row row) {
    return row.getLong(0);
  }

  /** The runs of a row of {@link #chunks}. */
  static JsonArray runs(Row row) {
    return Chunks.runs(row, 2);
  }

  /**
   * Hands each event of a run to {@code each} with its key and log entry: the message's fields from {@code fields}
   * (the run holding them, null when none was found), what the event knows otherwise. Absent fields are left out
   * rather than sent as null.
   *
   * @param seq the chunk's; @param index the place in the chunk of the run's first event
   */
  static void entries(long seq, int index, JsonObject run, JsonObject fields, Consumer<Keyed> each) {
    JsonObject base = new JsonObject().put("messageId", run.getString("i"));
    if (fields != null) {
      putIf(base, "url", fields.getString("url"));
      putIf(base, "topicName", fields.getString("topicName"));
      JsonObject m = fields.getJsonObject("m"); // V4__packed_message.sql
      putIf(base, "endpointName", m.getString("endpointName"));
      putIf(base, "scheduleId", fields.getString("scheduleId"));
      putIf(base, "queueName", fields.getString("queueName"));
      JsonObject header = m.getJsonObject("header");
      if (header != null) {
        base.put("header", header);
      }
      putIf(base, "body", m.getString("body"));
      JsonArray labels = m.getJsonArray("labels");
      if (labels != null && !labels.isEmpty()) {
        base.put("label", labels.getString(0)).put("labels", labels);
      }
      base.put("timeout", m.getLong("timeout"));
      putIf(base, "method", m.getString("method"));
      putIf(base, "callback", m.getString("callback"));
      putIf(base, "failureCallback", m.getString("failureCallback"));
      base.put("maxRetries", m.getInteger("maxRetries"));
      String expr = m.getString("retryDelayExpression");
      if (expr != null) {
        // retryDelayExpression is the openapi spelling, retryDelayExpr what the Python SDK reads (§5.8).
        base.put("retryDelayExpression", expr).put("retryDelayExpr", expr);
      }
    }
    JsonArray events = run.getJsonArray("e");
    for (int i = 0; i < events.size(); i++) {
      JsonObject e = events.getJsonObject(i);
      long time = e.getLong("t");
      JsonObject entry = base.copy().put("time", time).put("state", e.getString("s"));
      Long next = e.getLong("n");
      if (next != null) {
        entry.put("nextDeliveryTime", next);
      }
      putIf(entry, "error", e.getString("e"));
      Integer status = e.getInteger("c");
      if (status != null) {
        entry.put("responseStatus", status);
      }
      putIf(entry, "responseBody", e.getString("b"));
      JsonObject responseHeader = e.getJsonObject("h");
      if (responseHeader != null) {
        // responseHeaders is the openapi spelling, responseHeader what the Python SDK reads (§5.8): both.
        entry.put("responseHeader", responseHeader).put("responseHeaders", responseHeader.copy());
      }
      each.accept(new Keyed(new Key(time, seq, index + i), e.getString("s"), entry));
    }
  }

  /** A log entry with its place in the log's order and its state. */
  record Keyed(Key key, String state, JsonObject entry) {}

  private static void putIf(JsonObject e, String name, String value) {
    if (value != null) {
      e.put(name, value);
    }
  }
}
