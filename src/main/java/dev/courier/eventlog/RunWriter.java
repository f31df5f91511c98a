package dev.courier.eventlog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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

/**
 * Writes one batch inside a transaction as runs (V3__runs.sql): a message's events of the batch folded into one row,
 * with the message's fields in the run that comes with them. A batch that is not a replay is inserts only; a replay
 * first reads the runs stored of its messages and leaves out the events whose keys are stored already, so nothing is
 * stored twice. A message stored without its fields (its events came first) gets them in its earliest run.
 */
final class RunWriter {
  /**
   * The longest a run may span, ms: a page reads runs by their last event's time and is exact only this far back
   * (EventQuery). A batch's events of one message nearly always lie within milliseconds; a longer stretch (retries
   * of a message within one batch, entries taken over from a dead writer) makes several runs.
   */
  static final long MAX_SPAN_MS = 500;
  /** Ids per IN list: far below any driver's parameter limit, and one statement shape per size class. */
  private static final int CHUNK = 500;
  /** The message's filtered fields, then the rest packed in one JSON value (V4__packed_message.sql). */
  private static final String MESSAGE_COLUMNS = "url, host, path, topic_name, queue_name, schedule_id, labels, "
      + "caller_ip, flow_control_key, message";
  private static final int MESSAGE_COLUMN_COUNT = 10;
  /** The message's key last (V5__message_key.sql). */
  static final String INSERT_RUN = "INSERT INTO eventlog_run (message_id, run_key, first_time, last_time, "
      + "states, events, known, " + MESSAGE_COLUMNS + ", message_key) VALUES ("
      + "?, ".repeat(7 + MESSAGE_COLUMN_COUNT) + "?)";
  private static final String FILL_IN = "UPDATE eventlog_run SET known = TRUE, "
      + String.join(" = ?, ", MESSAGE_COLUMNS.split(", ")) + " = ? WHERE seq = ?";

  /** What the database holds of a message: the keys of its stored events, its earliest run, and its fields? */
  private static final class Stored {
    final Set<String> keys = new HashSet<>();
    long earliestSeq = Long.MAX_VALUE;
    long earliestTime = Long.MAX_VALUE;
    boolean known;
  }

  private final SqlConnection conn;
  private final Map<String, LoggedMessage> messages;
  private final Map<String, LoggedEvent> events;
  private final boolean replay;

  /** @param messages by id, @param events by key: a batch with its repeats dropped */
  RunWriter(SqlConnection conn, Map<String, LoggedMessage> messages, Map<String, LoggedEvent> events,
      boolean replay) {
    this.conn = conn;
    this.messages = messages;
    this.events = events;
    this.replay = replay;
  }

  Future<Void> write() {
    Map<String, List<LoggedEvent>> byMessage = new LinkedHashMap<>();
    events.values().forEach(e -> byMessage.computeIfAbsent(e.messageId(), id -> new ArrayList<>()).add(e));
    // A message without events here (they came in an earlier batch) needs its stored runs, to fill one in.
    Set<String> lookup = new LinkedHashSet<>();
    if (replay) {
      lookup.addAll(byMessage.keySet());
    }
    messages.keySet().stream().filter(id -> replay || !byMessage.containsKey(id)).forEach(lookup::add);
    return stored(lookup).compose(before -> {
      List<Tuple> inserts = new ArrayList<>();
      List<Tuple> fillIns = new ArrayList<>();
      Set<String> ids = new LinkedHashSet<>(byMessage.keySet());
      ids.addAll(messages.keySet());
      for (String id : ids) {
        Stored s = before.get(id);
        List<LoggedEvent> fresh = new ArrayList<>(byMessage.getOrDefault(id, List.of()));
        if (s != null) {
          fresh.removeIf(e -> s.keys.contains(e.key()));
        }
        LoggedMessage m = s != null && s.known ? null : messages.get(id);
        List<List<LoggedEvent>> runs = fold(fresh);
        for (int i = 0; i < runs.size(); i++) {
          inserts.add(runRow(id, runs.get(i), i == 0 ? m : null));
        }
        if (m != null && runs.isEmpty()) {
          if (s != null && s.earliestSeq != Long.MAX_VALUE) {
            fillIns.add(messageColumns(Tuple.tuple(), m).addLong(s.earliestSeq));
          } else {
            inserts.add(runRow(id, List.of(), m)); // the message alone, until its events come
          }
        }
      }
      return batch(INSERT_RUN, inserts).compose(v -> batch(FILL_IN, fillIns));
    });
  }

  /** A message's events, in outbox order, cut where they would span more than {@link #MAX_SPAN_MS}. */
  static List<List<LoggedEvent>> fold(List<LoggedEvent> events) {
    List<List<LoggedEvent>> runs = new ArrayList<>();
    List<LoggedEvent> run = null;
    long min = 0;
    long max = 0;
    for (LoggedEvent e : events) {
      if (run == null || e.time() - min > MAX_SPAN_MS || max - e.time() > MAX_SPAN_MS) {
        run = new ArrayList<>();
        runs.add(run);
        min = e.time();
        max = e.time();
      }
      run.add(e);
      min = Math.min(min, e.time());
      max = Math.max(max, e.time());
    }
    return runs;
  }

  static Tuple runRow(String id, List<LoggedEvent> run, LoggedMessage m) {
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    StringBuilder states = new StringBuilder(",");
    StringBuilder list = new StringBuilder(64 * run.size() + 2).append('[');
    for (LoggedEvent e : run) {
      first = Math.min(first, e.time());
      last = Math.max(last, e.time());
      states.append(e.state()).append(',');
      if (list.length() > 1) {
        list.append(',');
      }
      eventJson(e).appendTo(list);
    }
    list.append(']');
    if (run.isEmpty()) {
      first = m.createdAt();
      last = m.createdAt();
    }
    Tuple t = Tuple.tuple().addString(id).addString(run.isEmpty() ? "message" : run.get(0).key()).addLong(first)
        .addLong(last).addString(states.toString()).addString(list.toString()).addBoolean(m != null);
    if (m != null) {
      messageColumns(t, m);
    } else {
      for (int i = 0; i < MESSAGE_COLUMN_COUNT; i++) {
        t.addValue(null);
      }
    }
    return t.addLong(MessageKey.of(id));
  }

  /** An event as the run's JSON holds it (V3__runs.sql); absent parts left out. */
  private static JsonText eventJson(LoggedEvent e) {
    return JsonText.object().put("k", e.key()).put("s", e.state()).put("t", e.time())
        .put("n", e.nextDeliveryTime()).put("c", e.responseStatus()).putJson("h", e.responseHeader())
        .putPlain("b", e.responseBodyBase64()).put("e", e.error());
  }

  private static Tuple messageColumns(Tuple t, LoggedMessage m) {
    List<String> labels = m.labels() == null ? List.of() : m.labels();
    return t.addString(m.url()).addString(m.host()).addString(m.path()).addString(m.topicName())
        .addString(m.queueName()).addString(m.scheduleId())
        .addString(labels.isEmpty() ? null : "," + String.join(",", labels) + ",")
        .addString(m.callerIp()).addString(m.flowControlKey()).addString(packed(m, labels));
  }

  /** The message's shown-only fields as V4__packed_message.sql describes, absent parts left out. */
  static String packed(LoggedMessage m, List<String> labels) {
    int body = m.bodyBase64() == null ? 0 : m.bodyBase64().length();
    return JsonText.object(256 + body).put("createdAt", m.createdAt()).put("method", m.method())
        .putJson("header", m.header()).putPlain("body", m.bodyBase64()).put("endpointName", m.endpointName())
        .putJson("labels", labels.isEmpty() ? null : labels).put("timeout", m.timeoutMs())
        .put("maxRetries", (long) m.maxRetries()).put("retryDelayExpression", m.retryDelayExpression())
        .put("callback", m.callback()).put("failureCallback", m.failureCallback()).encode();
  }

  /** What the database holds of these message ids. */
  private Future<Map<String, Stored>> stored(Collection<String> ids) {
    Map<String, Stored> out = new HashMap<>();
    List<String> all = new ArrayList<>(ids);
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < all.size(); from += CHUNK) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
      String sql = "SELECT message_id, seq, first_time, known, events FROM eventlog_run WHERE "
          + MessageKey.match("", chunk.size());
      Tuple params = MessageKey.bind(Tuple.tuple(), chunk);
      chain = chain.compose(v -> conn.preparedQuery(sql).execute(params)
          .map(rows -> {
            rows.forEach(row -> {
              Stored s = out.computeIfAbsent(row.getString(0), id -> new Stored());
              if (row.getLong(2) < s.earliestTime) {
                s.earliestTime = row.getLong(2);
                s.earliestSeq = row.getLong(1);
              }
              s.known |= row.getBoolean(3);
              new JsonArray(row.getString(4)).forEach(e -> s.keys.add(((JsonObject) e).getString("k")));
            });
            return null;
          }));
    }
    return chain.map(out);
  }

  private Future<Void> batch(String sql, List<Tuple> rows) {
    return rows.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(sql).executeBatch(rows).mapEmpty();
  }
}
