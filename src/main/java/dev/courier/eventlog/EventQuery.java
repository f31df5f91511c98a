package dev.courier.eventlog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/**
 * The SQL of one page of the log and the log entry (qstash-api.md §5.8) of each row. Events are read along
 * {@code eventlog_event_time}, (event_time, seq), from a keyset cursor: a deep page costs what the first one does;
 * a messageId filter goes from {@code eventlog_message_id} to the message's events instead. An event shows its
 * message's fields when the message is known (its row is not a stand-in), and what the event knows otherwise.
 */
final class EventQuery {
  private static final String SELECT = "SELECT e.seq, e.event_time, e.message_id, e.state, e.next_delivery_time, "
      + "e.response_status, e.response_header, e.response_body, e.error, m.known, m.url, m.topic_name, "
      + "m.endpoint_name, m.schedule_id, m.queue_name, m.header_json, m.body, m.labels_json, m.timeout_ms, "
      + "m.method, m.callback, m.failure_callback, m.max_retries, m.retry_delay_expression "
      + "FROM eventlog_event e LEFT JOIN eventlog_message m ON m.msg_seq = e.msg_seq";

  /** A statement and its parameters. */
  record Sql(String text, Tuple params) {}

  /** Where a page starts: after the row (time, seq) in the page's order. */
  record Cursor(long time, long seq) {
    @Override
    public String toString() {
      // The shape of the docs' example cursor, "1686652644442-12".
      return time + "-" + seq;
    }

    /** @throws IllegalArgumentException naming the cursor when it is not one of ours */
    static Cursor parse(String cursor) {
      int dash = cursor.indexOf('-');
      try {
        if (dash > 0) {
          long time = Long.parseLong(cursor.substring(0, dash));
          long seq = Long.parseLong(cursor.substring(dash + 1));
          if (time >= 0 && seq >= 0) {
            return new Cursor(time, seq);
          }
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw new IllegalArgumentException("invalid cursor: " + cursor);
    }
  }

  private EventQuery() {}

  /** The page's rows, one more than {@code count} to tell whether another page follows. */
  static Sql page(EventFilter f, int count, Cursor after, boolean newestFirst) {
    StringBuilder sql = new StringBuilder(SELECT).append(" WHERE 1 = 1");
    Tuple params = Tuple.tuple();
    if (!f.messageIds().isEmpty()) {
      // From the ids to their msg_seq to their events: by index however many events there are.
      sql.append(" AND e.msg_seq IN (SELECT msg_seq FROM eventlog_message WHERE 1 = 1");
      in(sql, params, "message_id", f.messageIds());
      sql.append(')');
    }
    in(sql, params, "e.state", f.states());
    in(sql, params, "m.url", f.urls());
    in(sql, params, "m.topic_name", f.topicNames());
    in(sql, params, "m.schedule_id", f.scheduleIds());
    in(sql, params, "m.queue_name", f.queueNames());
    in(sql, params, "m.caller_ip", f.callerIps());
    in(sql, params, "m.flow_control_key", f.flowControlKeys());
    in(sql, params, "m.host", f.hosts());
    in(sql, params, "m.path", f.paths());
    if (!f.labels().isEmpty()) {
      sql.append(" AND EXISTS (SELECT 1 FROM eventlog_label l WHERE l.msg_seq = e.msg_seq");
      in(sql, params, "l.label", f.labels());
      sql.append(')');
    }
    if (f.fromDate() != null) {
      sql.append(" AND e.event_time >= ?");
      params.addLong(f.fromDate());
    }
    if (f.toDate() != null) {
      sql.append(" AND e.event_time <= ?");
      params.addLong(f.toDate());
    }
    if (after != null) {
      // The first term bounds the index range; the second only sorts out the rows of the cursor's millisecond.
      // (A row value comparison, (event_time, seq) < (?, ?), is not a range on every database's planner.)
      String op = newestFirst ? "<" : ">";
      sql.append(" AND e.event_time ").append(op).append("= ? AND (e.event_time ").append(op)
          .append(" ? OR e.seq ").append(op).append(" ?)");
      params.addLong(after.time()).addLong(after.time()).addLong(after.seq());
    }
    String dir = newestFirst ? " DESC" : " ASC";
    sql.append(" ORDER BY e.event_time").append(dir).append(", e.seq").append(dir).append(" LIMIT ?");
    params.addInteger(count + 1);
    return new Sql(sql.toString(), params);
  }

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

  static Cursor cursorOf(Row row) {
    return new Cursor(row.getLong(1), row.getLong(0));
  }

  /** The log entry of a row of {@link #page}; absent fields are left out rather than sent as null. */
  static JsonObject entry(Row row) {
    JsonObject e = new JsonObject()
        .put("time", row.getLong(1))
        .put("messageId", row.getString(2))
        .put("state", row.getString(3));
    if (Boolean.TRUE.equals(row.getBoolean(9))) {
      putIf(e, "url", row.getString(10));
      putIf(e, "topicName", row.getString(11));
      putIf(e, "endpointName", row.getString(12));
      putIf(e, "scheduleId", row.getString(13));
      putIf(e, "queueName", row.getString(14));
      putJson(e, "header", row.getString(15));
      putIf(e, "body", row.getString(16));
      String labels = row.getString(17);
      if (labels != null) {
        JsonArray list = new JsonArray(labels);
        if (!list.isEmpty()) {
          e.put("label", list.getString(0)).put("labels", list);
        }
      }
      e.put("timeout", row.getLong(18));
      putIf(e, "method", row.getString(19));
      putIf(e, "callback", row.getString(20));
      putIf(e, "failureCallback", row.getString(21));
      e.put("maxRetries", row.getInteger(22));
      String expr = row.getString(23);
      if (expr != null) {
        // retryDelayExpression is the openapi spelling, retryDelayExpr what the Python SDK reads (§5.8).
        e.put("retryDelayExpression", expr).put("retryDelayExpr", expr);
      }
    }
    Long next = row.getLong(4);
    if (next != null) {
      e.put("nextDeliveryTime", next);
    }
    putIf(e, "error", row.getString(8));
    Integer status = row.getInteger(5);
    if (status != null) {
      e.put("responseStatus", status);
    }
    putIf(e, "responseBody", row.getString(7));
    String responseHeader = row.getString(6);
    if (responseHeader != null) {
      // responseHeaders is the openapi spelling, responseHeader what the Python SDK reads (§5.8): both.
      JsonObject h = new JsonObject(responseHeader);
      e.put("responseHeader", h).put("responseHeaders", h);
    }
    return e;
  }

  private static void putIf(JsonObject e, String name, String value) {
    if (value != null) {
      e.put(name, value);
    }
  }

  private static void putJson(JsonObject e, String name, String json) {
    if (json != null) {
      e.put(name, new JsonObject(json));
    }
  }
}
