package dev.courier.eventlog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes one batch inside a transaction as chunks (V6__chunks.sql): a message's events of the batch folded into
 * runs, the message's fields in its first run (or in a run of their own when its events came earlier), and the runs
 * of messages created in the same second packed into chunks. A batch that is not a replay is inserts only. A replay
 * first reads the chunks holding its messages and leaves out the events whose keys are stored already, and the
 * fields of a message stored with them, so nothing is stored twice.
 *
 * <p>Where several nodes share the database (PostgreSQL) each outbox entry is also a row of eventlog_entry: two
 * writers storing the same entries at once meet on its key, and the second fails and writes again as a replay.
 */
final class ChunkWriter {
  /**
   * Most runs in a chunk: a row per hundred messages costs H2 about half what a row per message did per message
   * (performance.md), and more gains little.
   */
  static final int MAX_RUNS = 100;
  /**
   * A chunk is cut before its runs pass this length (about 40 messages with 900-byte bodies): a lookup of one
   * message parses its chunk whole. 256 KB measured no faster.
   */
  static final int MAX_CHARS = 64 * 1024;
  /** A longer chunk (one run with a large body) goes to runs_large: H2's VARCHAR holds at most 1 048 576 characters. */
  static final int VARCHAR_LIMIT = 1_000_000;
  static final String INSERT = "INSERT INTO eventlog_chunk (min_key, max_key, first_time, last_time, states, runs, "
      + "runs_large) VALUES (?, ?, ?, ?, ?, ?, ?)";
  /** Entries per statement that checks which are stored. */
  private static final int ENTRIES_PER_CHECK = 500;

  /** What the database holds of a message: the keys of its stored events, and whether its fields. */
  private static final class Stored {
    final Set<String> keys = new HashSet<>();
    boolean known;
  }

  /** A run about to be stored: its JSON, and what its chunk needs to know of it. */
  record Run(String messageId, long key, long first, long last, Set<String> states, String text) {}

  private final SqlConnection conn;
  private final Map<String, LoggedMessage> messages;
  private final Map<String, LoggedEvent> events;
  private final boolean replay;
  private final boolean guardEntries;

  /**
   * @param messages by id, @param events by key: a batch with its repeats dropped
   * @param guardEntries whether to record its outbox entries in eventlog_entry (a database of several nodes)
   */
  ChunkWriter(SqlConnection conn, Map<String, LoggedMessage> messages, Map<String, LoggedEvent> events,
      boolean replay, boolean guardEntries) {
    this.conn = conn;
    this.messages = messages;
    this.events = events;
    this.replay = replay;
    this.guardEntries = guardEntries;
  }

  Future<Void> write() {
    Map<String, List<LoggedEvent>> byMessage = new LinkedHashMap<>();
    events.values().forEach(e -> byMessage.computeIfAbsent(e.messageId(), id -> new ArrayList<>()).add(e));
    Set<String> ids = new LinkedHashSet<>(byMessage.keySet());
    ids.addAll(messages.keySet());
    // The entries first: once they are recorded (or found recorded), the chunks read next show every writer's
    // runs of them that were committed (READ COMMITTED reads what was committed before each statement).
    return guard().compose(g -> replay ? stored(ids) : Future.succeededFuture(Map.<String, Stored>of()))
        .compose(before -> {
      List<Run> runs = new ArrayList<>();
      for (String id : ids) {
        Stored s = before.get(id);
        List<LoggedEvent> fresh = new ArrayList<>(byMessage.getOrDefault(id, List.of()));
        if (s != null) {
          fresh.removeIf(e -> s.keys.contains(e.key()));
        }
        LoggedMessage m = s != null && s.known ? null : messages.get(id);
        List<List<LoggedEvent>> folded = fold(fresh);
        for (int i = 0; i < folded.size(); i++) {
          runs.add(run(id, folded.get(i), i == 0 ? m : null));
        }
        if (m != null && folded.isEmpty()) {
          runs.add(run(id, List.of(), m)); // the message alone: its events came before, or are still to come
        }
      }
      List<Tuple> rows = chunks(runs);
      return rows.isEmpty() ? Future.<Void>succeededFuture()
          : conn.preparedQuery(INSERT).executeBatch(rows).<Void>mapEmpty();
    });
  }

  /** A message's events, in outbox order, cut where they would span more than {@link Chunks#MAX_SPAN_MS}. */
  static List<List<LoggedEvent>> fold(List<LoggedEvent> events) {
    List<List<LoggedEvent>> runs = new ArrayList<>();
    List<LoggedEvent> run = null;
    long min = 0;
    long max = 0;
    for (LoggedEvent e : events) {
      if (run == null || e.time() - min > Chunks.MAX_SPAN_MS || max - e.time() > Chunks.MAX_SPAN_MS) {
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

  /** A run as its chunk holds it (V6__chunks.sql); {@code m} null when the run does not carry the fields. */
  static Run run(String id, List<LoggedEvent> run, LoggedMessage m) {
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    Set<String> states = new LinkedHashSet<>();
    int body = m == null || m.bodyBase64() == null ? 0 : m.bodyBase64().length();
    StringBuilder list = new StringBuilder(96 * run.size() + 2).append('[');
    for (LoggedEvent e : run) {
      first = Math.min(first, e.time());
      last = Math.max(last, e.time());
      states.add(e.state());
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
    JsonText text = JsonText.object(list.length() + body + 512).put("i", id).putRaw("e", list.toString());
    if (m != null) {
      List<String> labels = m.labels() == null ? List.of() : m.labels();
      text.putRaw("m", packed(m, labels)).put("url", m.url()).put("host", m.host()).put("path", m.path())
          .put("topicName", m.topicName()).put("queueName", m.queueName()).put("scheduleId", m.scheduleId())
          .put("callerIp", m.callerIp()).put("flowControlKey", m.flowControlKey());
    }
    return new Run(id, MessageKey.of(id), first, last, states, text.encode());
  }

  /** An event as a run holds it (V3__runs.sql); absent parts left out. */
  private static JsonText eventJson(LoggedEvent e) {
    return JsonText.object().put("k", e.key()).put("s", e.state()).put("t", e.time())
        .put("n", e.nextDeliveryTime()).put("c", e.responseStatus()).putJson("h", e.responseHeader())
        .putPlain("b", e.responseBodyBase64()).put("e", e.error());
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

  /**
   * The rows of {@code runs}: sorted by key, cut where the second of the messages' creation changes, where the
   * chunk would span more than {@link Chunks#MAX_SPAN_MS} of events, hold more than {@link #MAX_RUNS} runs or more
   * than {@link #MAX_CHARS} characters.
   */
  static List<Tuple> chunks(List<Run> runs) {
    List<Run> sorted = new ArrayList<>(runs);
    sorted.sort(Comparator.comparingLong(Run::key).thenComparing(Run::messageId).thenComparingLong(Run::first));
    List<Tuple> rows = new ArrayList<>();
    List<Run> chunk = new ArrayList<>();
    long first = 0;
    long last = 0;
    int chars = 0;
    for (Run r : sorted) {
      if (!chunk.isEmpty() && (Chunks.secondOf(r.key()) != Chunks.secondOf(chunk.get(0).key())
          || chunk.size() >= MAX_RUNS || chars + r.text().length() > MAX_CHARS
          || Math.max(last, r.last()) - Math.min(first, r.first()) > Chunks.MAX_SPAN_MS)) {
        rows.add(row(chunk, first, last, chars));
        chunk = new ArrayList<>();
      }
      if (chunk.isEmpty()) {
        first = r.first();
        last = r.last();
        chars = 0;
      }
      chunk.add(r);
      first = Math.min(first, r.first());
      last = Math.max(last, r.last());
      chars += r.text().length() + 1;
    }
    if (!chunk.isEmpty()) {
      rows.add(row(chunk, first, last, chars));
    }
    return rows;
  }

  private static Tuple row(List<Run> chunk, long first, long last, int chars) {
    StringBuilder text = new StringBuilder(chars + 2).append('[');
    Set<String> states = new TreeSet<>();
    for (Run r : chunk) {
      if (text.length() > 1) {
        text.append(',');
      }
      text.append(r.text());
      states.addAll(r.states());
    }
    text.append(']');
    String runs = text.toString();
    boolean large = runs.length() > VARCHAR_LIMIT;
    return Tuple.tuple().addLong(chunk.get(0).key()).addLong(chunk.get(chunk.size() - 1).key()).addLong(first)
        .addLong(last).addString(states.isEmpty() ? "," : "," + String.join(",", states) + ",")
        .addString(large ? null : runs).addString(large ? runs : null);
  }

  /** What the database holds of these message ids. */
  private Future<Map<String, Stored>> stored(Collection<String> ids) {
    Map<String, Stored> out = new HashMap<>();
    return Chunks.runsOf(ids, sql -> conn.preparedQuery(sql.text()).execute(sql.params()), run -> {
      Stored s = out.computeIfAbsent(run.getString("i"), k -> new Stored());
      s.known |= Chunks.holdsFields(run);
      run.getJsonArray("e").forEach(e -> s.keys.add(((JsonObject) e).getString("k")));
    }).map(out);
  }

  /**
   * Records the batch's outbox entries where writers of several nodes may meet (eventlog_entry). A replay records
   * only those not recorded yet; any entry that another transaction records meanwhile fails this one, which the
   * store writes again as a replay.
   */
  private Future<Void> guard() {
    if (!guardEntries || events.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<String, Long> entries = new LinkedHashMap<>();
    events.values().forEach(e -> entries.merge(entry(e.key()), e.time(), Math::min));
    Future<Void> chain = Future.succeededFuture();
    if (replay) {
      List<String> all = new ArrayList<>(entries.keySet());
      for (int from = 0; from < all.size(); from += ENTRIES_PER_CHECK) {
        List<String> part = all.subList(from, Math.min(all.size(), from + ENTRIES_PER_CHECK));
        String sql = "SELECT entry FROM eventlog_entry WHERE entry IN (?" + ", ?".repeat(part.size() - 1) + ")";
        chain = chain.compose(v -> conn.preparedQuery(sql).execute(Tuple.from(new ArrayList<Object>(part)))
            .map(rows -> {
              rows.forEach(row -> entries.remove(row.getString(0)));
              return null;
            }));
      }
    }
    return chain.compose(v -> {
      List<Tuple> rows = new ArrayList<>(entries.size());
      entries.forEach((entry, time) -> rows.add(Tuple.of(entry, time)));
      return rows.isEmpty() ? Future.succeededFuture()
          : conn.preparedQuery("INSERT INTO eventlog_entry (entry, entry_time) VALUES (?, ?)").executeBatch(rows)
              .mapEmpty();
    });
  }

  /** The outbox entry an event came from: its key without its place in the entry (OutboxDecoder). */
  static String entry(String eventKey) {
    int colon = eventKey.lastIndexOf(':');
    return colon < 0 ? eventKey : eventKey.substring(0, colon);
  }
}
