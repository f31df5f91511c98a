package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.T0;
import static dev.courier.eventlog.LogFixtures.await;
import static dev.courier.eventlog.LogFixtures.event;
import static dev.courier.eventlog.LogFixtures.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Writing the log: replays stored once, events before (or without) their message, the trim. */
abstract class EventStoreWriteContract extends StoreTest {

  long count(String table) {
    try (Connection c = TestDatabase.jdbc(config); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      r.next();
      return r.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The rows (runs), the runs holding their message's fields, and the events in them. */
  void assertStored(long runs, long known, long events) {
    long stored = 0;
    try (Connection c = TestDatabase.jdbc(config); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT events FROM eventlog_run")) {
      while (r.next()) {
        stored += new io.vertx.core.json.JsonArray(r.getString(1)).size();
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    assertEquals(List.of(runs, known, events),
        List.of(count("eventlog_run"), count("eventlog_run WHERE known = TRUE"), stored));
  }

  @Test
  void aReplayedBatchIsStoredOnce() {
    EventBatch batch = LogFixtures.delivered("r", 3, T0);
    insert(batch);
    // Each message's CREATED, ACTIVE and DELIVERED in one run.
    assertStored(3, 3, 9);
    insert(new EventBatch(batch.messages(), batch.events(), true));
    assertStored(3, 3, 9);
    assertEquals(9, all(EventFilter.NONE).size());
    assertEquals(9, all(filter("label", "orders,eu")).size());
  }

  @Test
  void aReplayOfPartlyStoredEntriesAddsOnlyWhatIsNew() {
    EventBatch first = LogFixtures.delivered("a", 2, T0);
    insert(first);
    EventBatch more = LogFixtures.delivered("b", 2, T0 + 1000);
    List<LoggedMessage> ms = new ArrayList<>(first.messages().subList(1, 2));
    ms.addAll(more.messages());
    List<LoggedEvent> es = new ArrayList<>(first.events().subList(2, 6));
    es.addAll(more.events());
    insert(new EventBatch(ms, es, true));
    assertStored(4, 4, 12);
    JsonObject replayed = all(filter("messageId", "msg_a_1")).get(0);
    assertEquals("https://api.example.com/hooks/orders", replayed.getString("url"));
  }

  @Test
  void aKeyTwiceInOneBatchIsStoredOnce() {
    LoggedMessage m = message("msg_twice", T0);
    insert(new EventBatch(List.of(m, m), List.of(event("k", "msg_twice", "CREATED", T0),
        event("k", "msg_twice", "CREATED", T0)), false));
    assertStored(1, 1, 1);
  }

  @Test
  void eventsShowBeforeTheirMessageArrivesAndWithoutIt() {
    insert(new EventBatch(List.of(), List.of(event("l1", "msg_late", "CREATED", T0),
        event("l2", "msg_late", "ACTIVE", T0 + 1)), false));
    List<JsonObject> early = all(EventFilter.NONE);
    assertEquals(List.of(new JsonObject().put("time", T0 + 1).put("messageId", "msg_late").put("state", "ACTIVE"),
        new JsonObject().put("time", T0).put("messageId", "msg_late").put("state", "CREATED")), early);
    assertEquals(2, all(filter("messageId", "msg_late", "state", "IN_PROGRESS,CREATED")).size());
    // Nothing is known of the message yet, so no filter on the message matches it.
    assertEquals(List.of(), all(filter("host", "api.example.com")));

    insert(new EventBatch(List.of(labelled("msg_late", T0)), List.of(), false));
    List<JsonObject> later = all(filter("host", "api.example.com"));
    assertEquals(2, later.size());
    assertEquals(later, all(filter("label", "trim")));
    assertStored(1, 1, 2);
    // The message again (a replay): still one row.
    insert(new EventBatch(List.of(labelled("msg_late", T0)), List.of(), true));
    assertStored(1, 1, 2);
    assertEquals("https://api.example.com/hooks/orders", later.get(0).getString("url"));
    assertEquals(30_000L, later.get(1).getLong("timeout"));
  }

  @Test
  void aMessagesEventsOfOneBatchAreOneRunUnlessTheySpanTooLong() {
    long span = RunWriter.MAX_SPAN_MS;
    insert(new EventBatch(List.of(message("msg_long", T0)), List.of(event("g1", "msg_long", "CREATED", T0),
        event("g2", "msg_long", "ACTIVE", T0 + 1), event("g3", "msg_long", "ERROR", T0 + span),
        event("g4", "msg_long", "RETRY", T0 + span + 1), event("g5", "msg_long", "ACTIVE", T0 + 3 * span)), false));
    // [CREATED, ACTIVE, ERROR] within the span, then RETRY (span + 1 after CREATED) starts a run, and the last
    // ACTIVE another; the message's fields are in the first, and every event shows them.
    assertStored(3, 1, 5);
    List<JsonObject> entries = all(filter("messageId", "msg_long"));
    assertEquals(List.of("ACTIVE", "RETRY", "ERROR", "ACTIVE", "CREATED"),
        entries.stream().map(e -> e.getString("state")).toList());
    entries.forEach(e -> assertEquals("https://api.example.com/hooks/orders", e.getString("url")));
    assertEquals(5, all(filter("host", "api.example.com")).size());
  }

  @Test
  void theTrimDeletesRunsThatEndBeforeTheCutoffOldestFirstInBoundedSteps() {
    long cutoff = T0 + 50;
    for (int i = 0; i < 10; i++) {
      insert(new EventBatch(List.of(), List.of(event("old" + i, "msg_old" + i, "ACTIVE", T0 + i)), false));
    }
    // A run that starts before the cutoff and ends after it stays whole.
    insert(new EventBatch(List.of(labelled("msg_new", T0 + 40)), List.of(event("new0", "msg_new", "CREATED", T0 + 40),
        event("new1", "msg_new", "DELIVERED", cutoff)), false));
    // A message whose events have not come yet is a run of its own, at its creation.
    insert(new EventBatch(List.of(labelled("msg_fresh", T0 + 200)), List.of(), false));
    assertStored(12, 2, 12);

    assertEquals(4, await(store.trim(cutoff, 4)));
    assertEquals(List.of(T0 + 4, T0 + 5), oldestTimes(2));
    assertEquals(4, await(store.trim(cutoff, 4)));
    assertEquals(2, await(store.trim(cutoff, 4)));
    assertEquals(0, await(store.trim(cutoff, 4)));
    assertStored(2, 2, 2);
    assertEquals(List.of(T0 + 40, cutoff), oldestTimes(5));
    insert(new EventBatch(List.of(), List.of(event("f1", "msg_fresh", "CREATED", T0 + 200)), false));
    assertEquals("https://api.example.com/hooks/orders",
        all(filter("messageId", "msg_fresh")).get(0).getString("url"));
  }

  private static LoggedMessage labelled(String id, long createdAt) {
    return message(id, createdAt, "api.example.com", "/hooks/orders", null, null, List.of("trim"), null, null);
  }

  private List<Long> oldestTimes(int count) {
    return await(store.query(EventFilter.NONE, count, null, false)).entries().stream()
        .map(e -> e.getLong("time")).toList();
  }

  @Test
  void anEmptyDatabaseIsMigratedToTheLatestVersionAndAgainIsANoOp() throws Exception {
    assertEquals(EventSchema.LATEST, await(store.schemaVersion()));
    List<String> versions = List.of("1 V1__tables", "2 V2__filter_indexes", "3 V3__runs", "4 V4__packed_message",
        "5 V5__message_key");
    assertEquals(versions, versionRows());
    insert(LogFixtures.delivered("x", 1, T0));
    await(store.close());
    store = await(EventStore.open(vertx, config));
    assertEquals(versions, versionRows());
    assertEquals(3, all(EventFilter.NONE).size());
    assertTrue(indexes().contains("eventlog_run_time"), indexes().toString());
    if (database().dialect() == Dialect.H2) {
      // The key index in place of the id index (h2/V5__message_key.sql)
      assertTrue(indexes().contains("eventlog_run_key"), indexes().toString());
      assertFalse(indexes().contains("eventlog_run_message"), indexes().toString());
    }
    // Version 2's tables are gone.
    assertEquals(Set.of("eventlog_run"), tables());
  }

  @Test
  void aDatabaseAtVersion1WithRowsIsMigratedAndItsRowsStillRead() throws Exception {
    atVersion(1);
    assertFalse(indexes().contains("eventlog_event_message"), indexes().toString());
    // The rows as version 1 of the code wrote them, in version 1's columns.
    try (Connection c = TestDatabase.jdbc(config); Statement s = c.createStatement()) {
      s.execute("INSERT INTO eventlog_message (message_id, known, created_at, url, host, path, method, header_json, "
          + "body, topic_name, endpoint_name, queue_name, schedule_id, labels_json, caller_ip, flow_control_key, "
          + "timeout_ms, max_retries, retry_delay_expression, callback, failure_callback) VALUES ('msg_v1', TRUE, "
          + T0 + ", 'https://v1.example/h', 'v1.example', '/h', 'POST', '{\"A\":[\"b\"]}', 'eyJ2IjoxfQ==', 'g', "
          + "'e', NULL, NULL, '[\"old\",\"gold\"]', '1.2.3.4', NULL, 20000, 2, NULL, NULL, NULL)");
      String seq = "(SELECT msg_seq FROM eventlog_message WHERE message_id = 'msg_v1')";
      s.execute("INSERT INTO eventlog_label (label, msg_seq) VALUES ('old', " + seq + "), ('gold', " + seq + ")");
      s.execute("INSERT INTO eventlog_event (event_key, msg_seq, message_id, state, event_time, next_delivery_time, "
          + "response_status, response_header, response_body, error) VALUES "
          + "('v1-1', " + seq + ", 'msg_v1', 'CREATED', " + T0 + ", NULL, NULL, NULL, NULL, NULL), "
          + "('v1-2', " + seq + ", 'msg_v1', 'ERROR', " + (T0 + 5) + ", NULL, 503, '{\"X\":[\"y\"]}', 'Ym9vbQ==', "
          + "'said \"no\" \\ and\nagain')");
      // A stand-in: events of a message the log never saw.
      s.execute("INSERT INTO eventlog_message (message_id, known, created_at) VALUES ('msg_standin', FALSE, " + T0 + ")");
      s.execute("INSERT INTO eventlog_event (event_key, msg_seq, message_id, state, event_time, next_delivery_time) "
          + "VALUES ('v1-3', (SELECT msg_seq FROM eventlog_message WHERE message_id = 'msg_standin'), 'msg_standin', "
          + "'RETRY', " + (T0 + 7) + ", " + (T0 + 9000) + ")");
    }

    store = await(EventStore.open(vertx, config));
    assertEquals(EventSchema.LATEST, await(store.schemaVersion()));
    assertEquals(Set.of("eventlog_run"), tables());
    List<JsonObject> entries = all(filter("label", "gold", "topicName", "g"));
    assertEquals(List.of("ERROR", "CREATED"), entries.stream().map(e -> e.getString("state")).toList());
    JsonObject error = entries.get(0);
    assertEquals(503, error.getInteger("responseStatus"));
    assertEquals("said \"no\" \\ and\nagain", error.getString("error"));
    assertEquals("Ym9vbQ==", error.getString("responseBody"));
    assertEquals(new JsonObject().put("time", T0 + 7).put("messageId", "msg_standin").put("state", "RETRY")
        .put("nextDeliveryTime", T0 + 9000), all(filter("messageId", "msg_standin")).get(0));
    assertEquals(3, all(EventFilter.NONE).size());
    assertEquals(new JsonObject().put("X", List.of("y")), error.getJsonObject("responseHeaders"));
    assertEquals("old", error.getString("label"));
    assertEquals(20_000L, error.getLong("timeout"));
    // And the migrated database takes new rows, in the same order as the old ones.
    insert(new EventBatch(List.of(), List.of(event("v2-1", "msg_v1", "RETRY", T0 + 6)), false));
    assertEquals(List.of("RETRY", "ERROR", "CREATED"),
        all(filter("messageId", "msg_v1")).stream().map(e -> e.getString("state")).toList());
  }

  @Test
  void aDatabaseAtVersion3WithRowsIsMigratedAndItsRowsStillRead() throws Exception {
    atVersion(3);
    // The rows as version 3 of the code wrote them: a known run with every field, a run of the same message without
    // them, and a message known with its fields left empty (no header, body, labels or retry expression).
    try (Connection c = TestDatabase.jdbc(config); Statement s = c.createStatement()) {
      String columns = "INSERT INTO eventlog_run (message_id, run_key, first_time, last_time, states, events, known, "
          + "created_at, url, host, path, method, header_json, body, topic_name, endpoint_name, queue_name, "
          + "schedule_id, labels_json, labels, caller_ip, flow_control_key, timeout_ms, max_retries, "
          + "retry_delay_expression, callback, failure_callback) VALUES ";
      s.execute(columns + "('msg_v3', 's0:1-0:0', " + T0 + ", " + (T0 + 5) + ", ',CREATED,ERROR,', "
          + "'[{\"k\":\"s0:1-0:0\",\"s\":\"CREATED\",\"t\":" + T0 + "},{\"k\":\"s0:1-0:1\",\"s\":\"ERROR\","
          + "\"t\":" + (T0 + 5) + ",\"c\":503,\"e\":\"said \\\"no\\\"\"}]', TRUE, " + T0 + ", "
          + "'https://v3.example/h', 'v3.example', '/h', 'PUT', '{\"A\":[\"b\"]}', 'eyJ2IjozfQ==', 'g', 'ep', 'q', "
          + "'scd_1', '[\"old\",\"gold\"]', ',old,gold,', '1.2.3.4', 'fk', 20000, 2, 'pow(2, retried) * 1000', "
          + "'https://cb.example/ok', 'https://cb.example/failed')");
      s.execute("INSERT INTO eventlog_run (message_id, run_key, first_time, last_time, states, events, known) "
          + "VALUES ('msg_v3', 's0:2-0:0', " + (T0 + 9) + ", " + (T0 + 9) + ", ',RETRY,', "
          + "'[{\"k\":\"s0:2-0:0\",\"s\":\"RETRY\",\"t\":" + (T0 + 9) + ",\"n\":" + (T0 + 60_000) + "}]', FALSE)");
      s.execute(columns + "('msg_bare', 's0:3-0:0', " + (T0 + 1) + ", " + (T0 + 1) + ", ',CREATED,', "
          + "'[{\"k\":\"s0:3-0:0\",\"s\":\"CREATED\",\"t\":" + (T0 + 1) + "}]', TRUE, " + (T0 + 1) + ", "
          + "'https://v3.example/bare', 'v3.example', '/bare', 'POST', NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
          + "NULL, NULL, NULL, 30000, 3, NULL, NULL, NULL)");
    }

    store = await(EventStore.open(vertx, config));
    assertEquals(EventSchema.LATEST, await(store.schemaVersion()));
    List<JsonObject> entries = all(filter("label", "gold", "queueName", "q", "flowControlKey", "fk"));
    assertEquals(List.of("RETRY", "ERROR", "CREATED"), entries.stream().map(e -> e.getString("state")).toList());
    JsonObject error = entries.get(1).copy();
    assertEquals(new JsonObject().put("messageId", "msg_v3").put("time", T0 + 5).put("state", "ERROR")
        .put("responseStatus", 503).put("error", "said \"no\"").put("url", "https://v3.example/h")
        .put("topicName", "g").put("endpointName", "ep").put("scheduleId", "scd_1").put("queueName", "q")
        .put("header", new JsonObject().put("A", List.of("b"))).put("body", "eyJ2IjozfQ==").put("label", "old")
        .put("labels", List.of("old", "gold")).put("timeout", 20_000L).put("method", "PUT")
        .put("callback", "https://cb.example/ok").put("failureCallback", "https://cb.example/failed")
        .put("maxRetries", 2).put("retryDelayExpression", "pow(2, retried) * 1000")
        .put("retryDelayExpr", "pow(2, retried) * 1000"), error);
    assertEquals(T0 + 60_000, entries.get(0).getLong("nextDeliveryTime"));
    assertEquals("https://v3.example/h", entries.get(0).getString("url"), "a run without the fields joins them");
    assertEquals(new JsonObject().put("messageId", "msg_bare").put("time", T0 + 1).put("state", "CREATED")
        .put("url", "https://v3.example/bare").put("timeout", 30_000L).put("method", "POST").put("maxRetries", 3),
        all(filter("messageId", "msg_bare")).get(0));
    assertEquals(List.of("ERROR"), all(filter("host", "v3.example", "state", "ERROR")).stream()
        .map(e -> e.getString("state")).toList());
    // And the migrated database takes new rows of the same message, in order with the old ones.
    insert(new EventBatch(List.of(), List.of(event("v4-1", "msg_v3", "DELIVERED", T0 + 70_000)), false));
    assertEquals(List.of("DELIVERED", "RETRY", "ERROR", "CREATED"),
        all(filter("messageId", "msg_v3")).stream().map(e -> e.getString("state")).toList());
  }

  @Test
  void aDatabaseAtVersion4WithRowsIsMigratedWithTheKeysTheWriterComputes() throws Exception {
    atVersion(4);
    // Ids of every shape a row can hold: layout 3's (time first), layout 2's (no shard), a short one, one with
    // characters outside base62, one with an underscore in its random part.
    String layout3 = "msg_3_" + dev.courier.model.Ids.timeOrdered(24, T0);
    List<String> ids = List.of(layout3, "msg_Zz09aAbBcCdDeEfFgGhHiIjJkKl", "msg_1_abc", "msg_2_a-b.c%d",
        "msg_7_x_yz0123456789", "m");
    try (Connection c = TestDatabase.jdbc(config); Statement s = c.createStatement()) {
      for (int i = 0; i < ids.size(); i++) {
        String id = ids.get(i);
        long t = T0 + i;
        // The rows as version 4 of the code wrote them: a known run, then a later run of the same message.
        s.execute("INSERT INTO eventlog_run (message_id, run_key, first_time, last_time, states, events, known, "
            + "url, host, path, labels, message) VALUES ('" + id + "', 's0:" + i + "-0:0', " + t + ", " + t
            + ", ',CREATED,', '[{\"k\":\"s0:" + i + "-0:0\",\"s\":\"CREATED\",\"t\":" + t + "}]', TRUE, "
            + "'https://v4.example/" + i + "', 'v4.example', '/" + i + "', ',v4,', "
            + "'{\"createdAt\":" + t + ",\"method\":\"POST\",\"timeout\":30000,\"maxRetries\":3}')");
        s.execute("INSERT INTO eventlog_run (message_id, run_key, first_time, last_time, states, events, known) "
            + "VALUES ('" + id + "', 's0:" + i + "-1:0', " + (t + 1000) + ", " + (t + 1000) + ", ',DELIVERED,', "
            + "'[{\"k\":\"s0:" + i + "-1:0\",\"s\":\"DELIVERED\",\"t\":" + (t + 1000) + "}]', FALSE)");
      }
    }

    store = await(EventStore.open(vertx, config));
    assertEquals(EventSchema.LATEST, await(store.schemaVersion()));
    try (Connection c = TestDatabase.jdbc(config); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT message_id, message_key FROM eventlog_run")) {
      int rows = 0;
      while (r.next()) {
        rows++;
        assertEquals(MessageKey.of(r.getString(1)), r.getLong(2), "the migration's key of " + r.getString(1));
      }
      assertEquals(2 * ids.size(), rows);
    }
    for (int i = 0; i < ids.size(); i++) {
      List<JsonObject> entries = all(filter("messageId", ids.get(i)));
      assertEquals(List.of("DELIVERED", "CREATED"), entries.stream().map(e -> e.getString("state")).toList(),
          ids.get(i));
      assertEquals("https://v4.example/" + i, entries.get(0).getString("url"), "the later run joins the fields");
    }
    // New rows of an old message are found with the old ones.
    insert(new EventBatch(List.of(), List.of(event("v5-1", layout3, "RETRY", T0 + 5_000)), false));
    assertEquals(List.of("RETRY", "DELIVERED", "CREATED"),
        all(filter("messageId", layout3)).stream().map(e -> e.getString("state")).toList());
  }

  /** Replaces the test's database with a new one migrated only to {@code version}, and closes the store on it. */
  private void atVersion(int version) {
    await(store.close());
    EventStoreConfig old = database().create();
    store = await(EventStore.open(vertx, old, version));
    assertEquals(version, await(store.schemaVersion()));
    await(store.close());
    config = old;
  }

  private List<String> versionRows() throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = TestDatabase.jdbc(config); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT version, name FROM eventlog_schema_version ORDER BY version")) {
      while (r.next()) {
        out.add(r.getInt(1) + " " + r.getString(2));
      }
    }
    return out;
  }

  /** The names of the event log's tables but the version table, lower case. */
  Set<String> tables() throws SQLException {
    String sql = database().dialect() == Dialect.H2
        ? "SELECT LOWER(TABLE_NAME) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME LIKE 'EVENTLOG%'"
        : "SELECT tablename FROM pg_tables WHERE tablename LIKE 'eventlog%'";
    Set<String> out = new java.util.HashSet<>();
    try (Connection c = TestDatabase.jdbc(config); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      while (r.next()) {
        out.add(r.getString(1));
      }
    }
    out.remove("eventlog_schema_version");
    return out;
  }

  /** The names of the event log's indexes, lower case. */
  Set<String> indexes() throws SQLException {
    String sql = database().dialect() == Dialect.H2
        ? "SELECT LOWER(INDEX_NAME) FROM INFORMATION_SCHEMA.INDEXES WHERE TABLE_NAME LIKE 'EVENTLOG%'"
        : "SELECT indexname FROM pg_indexes WHERE tablename LIKE 'eventlog%'";
    Set<String> out = new java.util.HashSet<>();
    try (Connection c = TestDatabase.jdbc(config); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      while (r.next()) {
        out.add(r.getString(1));
      }
    }
    return out;
  }
}
