package dev.courier.eventlog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.function.Consumer;

/**
 * The SQL that reads the runs (V3__runs.sql) a page of the log comes from, and the log entries (qstash-api.md §5.8)
 * of a run's events. Runs are read along {@code eventlog_run_time}, (last_time, seq), from a keyset: a deep page
 * costs what the first one does. Each run is joined to its message's fields, kept in the message's one known run
 * (the run itself, mostly), found by its key and id (V5__message_key.sql). Which of a run's events belong on the
 * page, and in what order, is {@link EventPager}'s part: a run only says its events lie between first_time and
 * last_time.
 */
final class EventQuery {
  private static final String SELECT = "SELECT r.seq, r.last_time, r.message_id, r.events, m.known, m.url, "
      + "m.topic_name, m.schedule_id, m.queue_name, m.message "
      + "FROM eventlog_run r LEFT JOIN eventlog_run m ON m.message_key = r.message_key "
      + "AND m.message_id = r.message_id AND m.known = TRUE";

  /** A statement and its parameters. */
  record Sql(String text, Tuple params) {}

  /** An event's place in the log's order: its time, then its run, then its place in the run. */
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
      // The shape of the docs' example cursor, "1686652644442-12", with the place in the run.
      return time + "-" + seq + "-" + index;
    }

    /**
     * @throws IllegalArgumentException naming the cursor when it is not one of ours. A cursor of version 2's
     *     "time-seq" shape (from a node before the upgrade) goes on from its time.
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

  /** Where the previous read of runs stopped: after the run (lastTime, seq) in the page's order. */
  record RunKey(long lastTime, long seq) {}

  private EventQuery() {}

  /**
   * At most {@code limit} runs that may hold events of the page, in the page's order of (last_time, seq), after the
   * run {@code past} (null: from the start): those matching the filter's message part and holding an event of a
   * wanted state that may lie in its dates and past the cursor {@code after}.
   */
  static Sql runs(EventFilter f, Key after, RunKey past, boolean newestFirst, int limit) {
    StringBuilder sql = new StringBuilder(SELECT).append(" WHERE 1 = 1");
    Tuple params = Tuple.tuple();
    if (!f.messageIds().isEmpty()) {
      sql.append(" AND ").append(MessageKey.match("r.", f.messageIds().size()));
      MessageKey.bind(params, f.messageIds());
    }
    any(sql, params, "r.states", f.states());
    in(sql, params, "m.url", f.urls());
    in(sql, params, "m.topic_name", f.topicNames());
    in(sql, params, "m.schedule_id", f.scheduleIds());
    in(sql, params, "m.queue_name", f.queueNames());
    in(sql, params, "m.caller_ip", f.callerIps());
    in(sql, params, "m.flow_control_key", f.flowControlKeys());
    in(sql, params, "m.host", f.hosts());
    in(sql, params, "m.path", f.paths());
    any(sql, params, "m.labels", f.labels());
    // A run holds events from first_time to last_time, at most MAX_SPAN_MS apart: it may hold an event at or after
    // `from` if it ends there or later, at or before `to` if it starts there or earlier, and then it ends by
    // to + MAX_SPAN_MS, a bound the index can use. The page's cursor is one more bound of the same kind.
    Long from = f.fromDate();
    Long to = f.toDate();
    if (after != null && newestFirst) {
      to = to == null ? after.time() : Math.min(to, after.time());
    } else if (after != null) {
      from = from == null ? after.time() : Math.max(from, after.time());
    }
    if (from != null) {
      sql.append(" AND r.last_time >= ?");
      params.addLong(from);
    }
    if (to != null) {
      sql.append(" AND r.first_time <= ? AND r.last_time <= ?");
      params.addLong(to).addLong(to + RunWriter.MAX_SPAN_MS);
    }
    String op = newestFirst ? "<" : ">";
    if (past != null) {
      // The first term bounds the index range; the second only sorts out the runs of the last one's millisecond.
      // (A row value comparison, (last_time, seq) < (?, ?), is not a range on every database's planner.)
      sql.append(" AND r.last_time ").append(op).append("= ? AND (r.last_time ").append(op)
          .append(" ? OR r.seq ").append(op).append(" ?)");
      params.addLong(past.lastTime()).addLong(past.lastTime()).addLong(past.seq());
    }
    String dir = newestFirst ? " DESC" : " ASC";
    sql.append(" ORDER BY r.last_time").append(dir).append(", r.seq").append(dir).append(" LIMIT ?");
    params.addInteger(limit);
    return new Sql(sql.toString(), params);
  }

  /** {@code column IN (values)}, or nothing for no values. */
  private static void in(StringBuilder sql, Tuple params, String column, List<String> values) {
    if (values.isEmpty()) {
      return;
    }
    sql.append(" AND ").append(column);
    if (values.size() == 1) {
      sql.append(" = ?");
    } else {
      sql.append(" IN (?").append(", ?".repeat(values.size() - 1)).append(')');
    }
    values.forEach(params::addString);
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

  /** The last_time and seq of a row of {@link #runs}: where the next read of runs goes on from. */
  static RunKey runKey(Row row) {
    return new RunKey(row.getLong(1), row.getLong(0));
  }

  static long seq(Row row) {
    return row.getLong(0);
  }

  /**
   * Hands each event of a row of {@link #runs} to {@code each} with its key and log entry: the message's fields
   * when its known run was found, what the event knows otherwise. Absent fields are left out rather than sent as
   * null.
   */
  static void entries(Row row, Consumer<Keyed> each) {
    JsonObject base = new JsonObject().put("messageId", row.getString(2));
    if (Boolean.TRUE.equals(row.getBoolean(4))) {
      putIf(base, "url", row.getString(5));
      putIf(base, "topicName", row.getString(6));
      String packed = row.getString(9); // V4__packed_message.sql
      JsonObject m = packed == null ? new JsonObject() : new JsonObject(packed);
      putIf(base, "endpointName", m.getString("endpointName"));
      putIf(base, "scheduleId", row.getString(7));
      putIf(base, "queueName", row.getString(8));
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
    long seq = row.getLong(0);
    JsonArray events = new JsonArray(row.getString(3));
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
      each.accept(new Keyed(new Key(time, seq, i), e.getString("s"), entry));
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
