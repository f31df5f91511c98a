package dev.courier.eventlog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Writes one batch inside a transaction: the messages it does not know yet (a message row is written once; one that
 * stood in for a message whose events came first is filled in), their labels, and the events, each referring to
 * its message's msg_seq. A replay skips the events whose keys are stored already, so nothing is stored twice and
 * nothing is deleted.
 */
final class BatchWriter {
  /** Ids per IN list: far below any driver's parameter limit, and one statement shape per size class. */
  private static final int CHUNK = 500;
  private static final String MESSAGE_COLUMNS = "message_id, known, created_at, url, host, path, method, "
      + "header_json, body, topic_name, endpoint_name, queue_name, schedule_id, labels_json, caller_ip, "
      + "flow_control_key, timeout_ms, max_retries, retry_delay_expression, callback, failure_callback";
  private static final String INSERT_MESSAGE = "INSERT INTO eventlog_message (" + MESSAGE_COLUMNS + ") VALUES ("
      + "?, ".repeat(20) + "?)";
  private static final String FILL_IN_MESSAGE = "UPDATE eventlog_message SET "
      + String.join(" = ?, ", MESSAGE_COLUMNS.split(", ")) + " = ? WHERE msg_seq = ?";
  private static final String INSERT_LABEL = "INSERT INTO eventlog_label (label, msg_seq) VALUES (?, ?)";
  private static final String INSERT_EVENT = "INSERT INTO eventlog_event (event_key, msg_seq, message_id, state, "
      + "event_time, next_delivery_time, response_status, response_header, response_body, error) "
      + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  /** What the database holds of a message id. */
  private record Stored(long seq, boolean known) {}

  private final SqlConnection conn;
  private final Map<String, LoggedMessage> messages;
  private final Map<String, LoggedEvent> events;
  private final boolean replay;

  /** @param messages by id, @param events by key: a batch with its repeats dropped */
  BatchWriter(SqlConnection conn, Map<String, LoggedMessage> messages, Map<String, LoggedEvent> events,
      boolean replay) {
    this.conn = conn;
    this.messages = messages;
    this.events = events;
    this.replay = replay;
  }

  Future<Void> write() {
    Set<String> ids = new LinkedHashSet<>(messages.keySet());
    events.values().forEach(e -> ids.add(e.messageId()));
    return stored(ids).compose(this::writeMessages).compose(this::writeEvents);
  }

  /** Inserts the messages not stored yet (and stand-ins for those only events name), fills stand-ins in. */
  private Future<Map<String, Long>> writeMessages(Map<String, Stored> before) {
    Map<String, Long> seqs = new HashMap<>();
    before.forEach((id, s) -> seqs.put(id, s.seq()));
    List<Tuple> inserts = new ArrayList<>();
    List<String> inserted = new ArrayList<>();
    List<Tuple> fillIns = new ArrayList<>();
    List<LoggedMessage> labelled = new ArrayList<>();
    for (LoggedMessage m : messages.values()) {
      Stored s = before.get(m.messageId());
      if (s == null) {
        inserts.add(messageRow(m));
        inserted.add(m.messageId());
        labelled.add(m);
      } else if (!s.known()) {
        fillIns.add(messageRow(m).addLong(s.seq()));
        labelled.add(m);
      }
    }
    Map<String, Long> firstEvent = new LinkedHashMap<>();
    for (LoggedEvent e : events.values()) {
      if (!before.containsKey(e.messageId()) && !messages.containsKey(e.messageId())) {
        firstEvent.merge(e.messageId(), e.time(), Math::min);
      }
    }
    firstEvent.forEach((id, time) -> {
      inserts.add(standIn(id, time));
      inserted.add(id);
    });
    return batch(INSERT_MESSAGE, inserts)
        .compose(v -> batch(FILL_IN_MESSAGE, fillIns))
        .compose(v -> inserted.isEmpty() ? Future.succeededFuture(Map.<String, Stored>of()) : stored(inserted))
        .compose(added -> {
          added.forEach((id, s) -> seqs.put(id, s.seq()));
          List<Tuple> labels = new ArrayList<>();
          for (LoggedMessage m : labelled) {
            for (String label : new LinkedHashSet<>(labelsOf(m))) {
              labels.add(Tuple.of(label, seqs.get(m.messageId())));
            }
          }
          return batch(INSERT_LABEL, labels).map(seqs);
        });
  }

  private Future<Void> writeEvents(Map<String, Long> seqs) {
    Future<Set<String>> skip = replay ? storedKeys(events.keySet()) : Future.succeededFuture(Set.of());
    return skip.compose(stored -> {
      List<Tuple> rows = new ArrayList<>(events.size());
      for (LoggedEvent e : events.values()) {
        if (!stored.contains(e.key())) {
          rows.add(Tuple.tuple().addString(e.key()).addLong(seqs.get(e.messageId())).addString(e.messageId())
              .addString(e.state()).addLong(e.time()).addLong(e.nextDeliveryTime()).addInteger(e.responseStatus())
              .addString(json(e.responseHeader())).addString(e.responseBodyBase64()).addString(e.error()));
        }
      }
      return batch(INSERT_EVENT, rows);
    });
  }

  /** msg_seq and known of the ids the database holds. */
  private Future<Map<String, Stored>> stored(Collection<String> ids) {
    Map<String, Stored> out = new HashMap<>();
    return chunks(ids, "SELECT message_id, msg_seq, known FROM eventlog_message WHERE message_id IN ",
        row -> out.put(row.getString(0), new Stored(row.getLong(1), row.getBoolean(2)))).map(out);
  }

  private Future<Set<String>> storedKeys(Collection<String> keys) {
    Set<String> out = new HashSet<>();
    return chunks(keys, "SELECT event_key FROM eventlog_event WHERE event_key IN ", row -> out.add(row.getString(0)))
        .map(out);
  }

  private Future<Void> chunks(Collection<String> values, String sqlBeforeList, Consumer<Row> each) {
    List<String> all = new ArrayList<>(values);
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < all.size(); from += CHUNK) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
      String sql = sqlBeforeList + "(?" + ", ?".repeat(chunk.size() - 1) + ")";
      chain = chain.compose(v -> conn.preparedQuery(sql).execute(Tuple.wrap(new ArrayList<Object>(chunk)))
          .map(rows -> {
            rows.forEach(each);
            return null;
          }));
    }
    return chain;
  }

  private Future<Void> batch(String sql, List<Tuple> rows) {
    return rows.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(sql).executeBatch(rows).mapEmpty();
  }

  private static List<String> labelsOf(LoggedMessage m) {
    return m.labels() == null ? List.of() : m.labels();
  }

  private static Tuple messageRow(LoggedMessage m) {
    List<String> labels = labelsOf(m);
    return Tuple.tuple()
        .addString(m.messageId()).addBoolean(true).addLong(m.createdAt()).addString(m.url()).addString(m.host())
        .addString(m.path()).addString(m.method()).addString(json(m.header())).addString(m.bodyBase64())
        .addString(m.topicName()).addString(m.endpointName()).addString(m.queueName()).addString(m.scheduleId())
        .addString(labels.isEmpty() ? null : new JsonArray(labels).encode()).addString(m.callerIp())
        .addString(m.flowControlKey()).addLong(m.timeoutMs()).addInteger(m.maxRetries())
        .addString(m.retryDelayExpression()).addString(m.callback()).addString(m.failureCallback());
  }

  /** The row of a message known only from its events, until it arrives itself. */
  private static Tuple standIn(String id, long firstEventTime) {
    Tuple t = Tuple.tuple().addString(id).addBoolean(false).addLong(firstEventTime);
    for (int i = 0; i < 18; i++) {
      t.addValue(null);
    }
    return t;
  }

  private static String json(JsonObject o) {
    return o == null ? null : o.encode();
  }
}
