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
  static final class Stored {
    final Set<String> keys = new HashSet<>();
    boolean known;
  }

  /**
   * A run about to be stored: what its chunk needs to know of it, and what its JSON is written from (into the
   * chunk's text directly, {@link #writeTo}).
   *
   * @param message the message's fields, null when the run does not carry them
   */
  record Run(String messageId, long key, long first, long last, Set<String> states, List<LoggedEvent> events,
      LoggedMessage message) {

    /** The run's JSON alone (the writer appends it to its chunk's text instead). */
    String text() {
      StringBuilder out = new StringBuilder(512);
      writeTo(out);
      return out.toString();
    }

    /** Appends the run as its chunk holds it (V6__chunks.sql): id, events, and the message's fields if carried. */
    void writeTo(StringBuilder out) {
      JsonText text = JsonText.into(out).put("i", messageId);
      StringBuilder list = text.member("e").append('[');
      for (int i = 0; i < events.size(); i++) {
        if (i > 0) {
          list.append(',');
        }
        eventJson(list, events.get(i));
      }
      list.append(']');
      LoggedMessage m = message;
      if (m != null) {
        packed(text.member("m"), m, m.labels() == null ? List.of() : m.labels());
        text.put("url", m.url()).put("host", m.host()).put("path", m.path()).put("topicName", m.topicName())
            .put("queueName", m.queueName()).put("scheduleId", m.scheduleId()).put("callerIp", m.callerIp())
            .put("flowControlKey", m.flowControlKey());
      }
      text.end();
    }
  }

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
    // The entries first: once they are recorded (or found recorded), the chunks read next show every writer's
    // runs of them that were committed (READ COMMITTED reads what was committed before each statement).
    Future<Map<String, Stored>> stored = guard().compose(g -> replay ? stored(ids(messages, events))
        : Future.succeededFuture(Map.<String, Stored>of()));
    return stored.compose(before -> {
      List<Tuple> rows = rows(messages, events, before);
      return rows.isEmpty() ? Future.<Void>succeededFuture()
          : conn.preparedQuery(INSERT).executeBatch(rows).<Void>mapEmpty();
    });
  }

  /** The batch's message ids: of its events, in outbox order, then of its messages. */
  private static Set<String> ids(Map<String, LoggedMessage> messages, Map<String, LoggedEvent> events) {
    Set<String> ids = new LinkedHashSet<>();
    events.values().forEach(e -> ids.add(e.messageId()));
    ids.addAll(messages.keySet());
    return ids;
  }

  /**
   * The chunks' rows of a batch, without what {@code before} says is stored already (by message id; empty for a
   * batch that is not a replay).
   */
  static List<Tuple> rows(Map<String, LoggedMessage> messages, Map<String, LoggedEvent> events,
      Map<String, Stored> before) {
    Map<String, List<LoggedEvent>> byMessage = new LinkedHashMap<>();
    events.values().forEach(e -> byMessage.computeIfAbsent(e.messageId(), id -> new ArrayList<>()).add(e));
    Set<String> ids = new LinkedHashSet<>(byMessage.keySet());
    ids.addAll(messages.keySet());
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
    return chunks(runs);
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
    for (LoggedEvent e : run) {
      first = Math.min(first, e.time());
      last = Math.max(last, e.time());
      states.add(e.state());
    }
    if (run.isEmpty()) {
      first = m.createdAt();
      last = m.createdAt();
    }
    return new Run(id, MessageKey.of(id), first, last, states, run, m);
  }

  /** An event as a run holds it (V3__runs.sql); absent parts left out. */
  private static void eventJson(StringBuilder out, LoggedEvent e) {
    JsonText.into(out).put("k", e.key()).put("s", e.state()).put("t", e.time())
        .put("n", e.nextDeliveryTime()).put("c", e.responseStatus()).putJson("h", e.responseHeader())
        .putPlain("b", e.responseBodyBase64()).put("e", e.error()).end();
  }

  /** The message's shown-only fields as V4__packed_message.sql describes, absent parts left out. */
  private static void packed(StringBuilder out, LoggedMessage m, List<String> labels) {
    JsonText.into(out).put("createdAt", m.createdAt()).put("method", m.method())
        .putJson("header", m.header()).putPlain("body", m.bodyBase64()).put("endpointName", m.endpointName())
        .putJson("labels", labels.isEmpty() ? null : labels).put("timeout", m.timeoutMs())
        .put("maxRetries", (long) m.maxRetries()).put("retryDelayExpression", m.retryDelayExpression())
        .put("callback", m.callback()).put("failureCallback", m.failureCallback()).end();
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
    // One buffer for the batch: each run is written into its chunk's text where it ends up, and each chunk's text
    // copied out once (a run in a builder of its own, then copied into the chunk's, cost a copy of every body more).
    StringBuilder text = new StringBuilder(MAX_CHARS + 4096);
    Chunk chunk = null;
    for (Run r : sorted) {
      if (chunk != null && (Chunks.secondOf(r.key()) != Chunks.secondOf(chunk.minKey)
          || chunk.runs >= MAX_RUNS || Math.max(chunk.last, r.last()) - Math.min(chunk.first, r.first())
          > Chunks.MAX_SPAN_MS)) {
        rows.add(chunk.row(text, text.length()));
        chunk = null;
      }
      int before = text.length();
      text.append(chunk == null ? '[' : ',');
      r.writeTo(text);
      if (chunk != null && text.length() > MAX_CHARS + 1) {
        // too long with this run: the chunk ends before it, and the run starts the next one
        String run = text.substring(before + 1);
        rows.add(chunk.row(text, before));
        chunk = null;
        text.append('[').append(run);
      }
      if (chunk == null) {
        chunk = new Chunk(r);
      } else {
        chunk.add(r);
      }
    }
    if (chunk != null) {
      rows.add(chunk.row(text, text.length()));
    }
    return rows;
  }

  /** The chunk being filled: its bounds so far; its text is the start of the batch's buffer. */
  private static final class Chunk {
    final long minKey;
    long maxKey;
    long first;
    long last;
    int runs;
    final Set<String> states = new TreeSet<>();

    Chunk(Run r) {
      minKey = r.key();
      first = r.first();
      last = r.last();
      add(r);
    }

    void add(Run r) {
      maxKey = r.key();
      first = Math.min(first, r.first());
      last = Math.max(last, r.last());
      runs++;
      states.addAll(r.states());
    }

    /** The chunk's row, its runs being {@code text} up to {@code end}; empties {@code text}. */
    Tuple row(StringBuilder text, int end) {
      text.setLength(end);
      String runs = text.append(']').toString();
      text.setLength(0);
      boolean large = runs.length() > VARCHAR_LIMIT;
      return Tuple.tuple().addLong(minKey).addLong(maxKey).addLong(first).addLong(last)
          .addString(states.isEmpty() ? "," : "," + String.join(",", states) + ",")
          .addString(large ? null : runs).addString(large ? runs : null);
    }
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
