package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.T0;
import static dev.courier.eventlog.LogFixtures.await;
import static dev.courier.eventlog.LogFixtures.event;
import static dev.courier.eventlog.LogFixtures.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
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

  /** The runs in the chunks, the runs holding their message's fields, and the events in them. */
  void assertStored(long runs, long known, long events) {
    long stored = 0;
    long runCount = 0;
    long knownCount = 0;
    for (JsonArray chunk : chunks()) {
      for (int i = 0; i < chunk.size(); i++) {
        JsonObject run = chunk.getJsonObject(i);
        runCount++;
        knownCount += run.containsKey("m") ? 1 : 0;
        stored += run.getJsonArray("e").size();
      }
    }
    assertEquals(List.of(runs, known, events), List.of(runCount, knownCount, stored));
  }

  /** Every chunk's runs, in the order they were stored. */
  List<JsonArray> chunks() {
    List<JsonArray> out = new ArrayList<>();
    try (Connection c = TestDatabase.jdbc(config); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT runs, runs_large FROM eventlog_chunk ORDER BY seq")) {
      while (r.next()) {
        out.add(new JsonArray(r.getString(1) != null ? r.getString(1) : r.getString(2)));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
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
    // The fields came alone: a run of their own, which the events' run finds by the message's key.
    assertStored(2, 1, 2);
    // The message again (a replay): nothing more.
    insert(new EventBatch(List.of(labelled("msg_late", T0)), List.of(), true));
    assertStored(2, 1, 2);
    assertEquals("https://api.example.com/hooks/orders", later.get(0).getString("url"));
    assertEquals(30_000L, later.get(1).getLong("timeout"));
  }

  @Test
  void aMessagesEventsOfOneBatchAreOneRunUnlessTheySpanTooLong() {
    long span = Chunks.MAX_SPAN_MS;
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
        "5 V5__message_key", "6 V6__chunks");
    assertEquals(versions, versionRows());
    insert(LogFixtures.delivered("x", 1, T0));
    await(store.close());
    store = await(EventStore.open(vertx, config));
    assertEquals(versions, versionRows());
    assertEquals(3, all(EventFilter.NONE).size());
    assertTrue(indexes().containsAll(List.of("eventlog_chunk_time", "eventlog_chunk_start", "eventlog_chunk_key")),
        indexes().toString());
    // Version 2's tables and version 3's runs are gone; PostgreSQL records the entries stored (V6__chunks.sql).
    assertEquals(chunkTables(), tables());
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
    assertEquals(chunkTables(), tables());
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
        ResultSet r = s.executeQuery("SELECT runs, runs_large, min_key, max_key FROM eventlog_chunk")) {
      int rows = 0;
      while (r.next()) {
        rows++;
        JsonArray runs = new JsonArray(r.getString(1) != null ? r.getString(1) : r.getString(2));
        String id = runs.getJsonObject(0).getString("i");
        assertEquals(1, runs.size(), "a run of version 5 is a chunk of its own");
        assertEquals(List.of(MessageKey.of(id), MessageKey.of(id)), List.of(r.getLong(3), r.getLong(4)),
            "the migration's key of " + id);
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

  @Test
  void aDatabaseAtVersion5WithRowsIsMigratedAndItsRowsStillRead() throws Exception {
    atVersion(5);
    String id = "msg_3_" + dev.courier.model.Ids.timeOrdered(24, T0);
    long key = MessageKey.of(id);
    // The rows as version 5 of the code wrote them (RunWriter): a run with the message's fields, a later run of its
    // events without them, and the fields alone of a message whose events never came.
    try (Connection c = TestDatabase.jdbc(config); Statement s = c.createStatement()) {
      String columns = "INSERT INTO eventlog_run (message_id, run_key, first_time, last_time, states, events, known, "
          + "url, host, path, topic_name, queue_name, schedule_id, labels, caller_ip, flow_control_key, message, "
          + "message_key) VALUES ";
      s.execute(columns + "('" + id + "', 's1:1-0:0', " + T0 + ", " + (T0 + 5) + ", ',CREATED,ERROR,', "
          + "'[{\"k\":\"s1:1-0:0\",\"s\":\"CREATED\",\"t\":" + T0 + "},{\"k\":\"s1:1-0:1\",\"s\":\"ERROR\","
          + "\"t\":" + (T0 + 5) + ",\"c\":503,\"h\":{\"X\":[\"y\"]},\"e\":\"said \\\"no\\\"\"}]', TRUE, "
          + "'https://v5.example/h', 'v5.example', '/h', 'g', 'q', 'scd_5', ',old,gold,', '1.2.3.4', 'fk', "
          + "'{\"createdAt\":" + T0 + ",\"method\":\"PUT\",\"header\":{\"A\":[\"b\"]},\"body\":\"eyJ2Ijo1fQ==\","
          + "\"endpointName\":\"ep\",\"labels\":[\"old\",\"gold\"],\"timeout\":20000,\"maxRetries\":2}', "
          + key + ")");
      s.execute("INSERT INTO eventlog_run (message_id, run_key, first_time, last_time, states, events, known, "
          + "message_key) VALUES ('" + id + "', 's1:2-0:0', " + (T0 + 900) + ", " + (T0 + 900) + ", ',RETRY,', "
          + "'[{\"k\":\"s1:2-0:0\",\"s\":\"RETRY\",\"t\":" + (T0 + 900) + ",\"n\":" + (T0 + 60_000) + "}]', FALSE, "
          + key + ")");
      s.execute(columns + "('msg_alone', 'message', " + (T0 + 2) + ", " + (T0 + 2) + ", ',', '[]', TRUE, "
          + "'https://v5.example/alone', 'v5.example', '/alone', NULL, NULL, NULL, NULL, NULL, NULL, "
          + "'{\"createdAt\":" + (T0 + 2) + ",\"method\":\"POST\",\"timeout\":30000,\"maxRetries\":3}', "
          + MessageKey.of("msg_alone") + ")");
    }

    store = await(EventStore.open(vertx, config));
    assertEquals(EventSchema.LATEST, await(store.schemaVersion()));
    assertEquals(chunkTables(), tables());
    List<JsonObject> entries = all(filter("label", "gold", "queueName", "q", "flowControlKey", "fk", "host",
        "v5.example", "path", "/h", "scheduleId", "scd_5", "callerIp", "1.2.3.4", "topicName", "g"));
    assertEquals(List.of("RETRY", "ERROR", "CREATED"), entries.stream().map(e -> e.getString("state")).toList());
    assertEquals(new JsonObject().put("messageId", id).put("time", T0 + 5).put("state", "ERROR")
        .put("responseStatus", 503).put("error", "said \"no\"").put("url", "https://v5.example/h")
        .put("topicName", "g").put("endpointName", "ep").put("scheduleId", "scd_5").put("queueName", "q")
        .put("header", new JsonObject().put("A", List.of("b"))).put("body", "eyJ2Ijo1fQ==").put("label", "old")
        .put("labels", List.of("old", "gold")).put("timeout", 20_000L).put("method", "PUT").put("maxRetries", 2)
        .put("responseHeader", new JsonObject().put("X", List.of("y")))
        .put("responseHeaders", new JsonObject().put("X", List.of("y"))), entries.get(1));
    assertEquals(T0 + 60_000, entries.get(0).getLong("nextDeliveryTime"));
    assertEquals("https://v5.example/h", entries.get(0).getString("url"), "a run without the fields finds them");
    assertEquals(List.of(), all(filter("messageId", "msg_alone")), "a message alone has no events to show");
    // A replay of the old entries stores nothing twice; new events of the old message page with the old ones, and
    // the message alone shows its fields with its first event.
    LoggedEvent created = new LoggedEvent("s1:1-0:0", id, "CREATED", T0, null, null, null, null, null);
    insert(new EventBatch(List.of(), List.of(created, event("s1:9-0:0", id, "DELIVERED", T0 + 70_000),
        event("s1:9-0:1", "msg_alone", "ACTIVE", T0 + 70_001)), true));
    assertEquals(List.of("DELIVERED", "RETRY", "ERROR", "CREATED"),
        all(filter("messageId", id)).stream().map(e -> e.getString("state")).toList());
    assertEquals("https://v5.example/alone", all(filter("messageId", "msg_alone")).get(0).getString("url"));
  }

  @Test
  void aSecondsMessagesShareChunksAndEachIsFoundById() throws Exception {
    // 250 messages created within one second, delivered within 50 ms: three chunks; and ten of the next second: a
    // chunk of their own.
    List<LoggedMessage> ms = new ArrayList<>();
    List<LoggedEvent> es = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    long second = (T0 / 1000 + 1) * 1000;
    for (int i = 0; i < 260; i++) {
      long created = i < 250 ? second + i * 3 : second + 1000 + i;
      String id = "msg_0_" + dev.courier.model.Ids.timeOrdered(24, created);
      ids.add(id);
      ms.add(message(id, created));
      es.add(event("s0:" + i + "-0:0", id, "CREATED", created));
      es.add(event("s0:" + i + "-0:1", id, "DELIVERED", created + 40));
    }
    insert(new EventBatch(ms, es, false));
    assertStored(260, 260, 520);
    List<Integer> sizes = chunks().stream().map(JsonArray::size).toList();
    // the first second's in three chunks of up to a hundred (fewer where a chunk reaches its length), then the next
    assertEquals(4, sizes.size(), sizes.toString());
    assertEquals(List.of(250, 10), List.of(sizes.get(0) + sizes.get(1) + sizes.get(2), sizes.get(3)));
    assertTrue(sizes.stream().allMatch(n -> n <= ChunkWriter.MAX_RUNS), sizes.toString());
    for (String id : List.of(ids.get(0), ids.get(99), ids.get(100), ids.get(249), ids.get(250), ids.get(259))) {
      List<JsonObject> found = all(filter("messageId", id));
      assertEquals(List.of("DELIVERED", "CREATED"), found.stream().map(e -> e.getString("state")).toList(), id);
      assertEquals("https://api.example.com/hooks/orders", found.get(0).getString("url"));
    }
    // A later run of one of them is a chunk of its own, and shows the fields from the first.
    insert(new EventBatch(List.of(), List.of(event("s0:900-0:0", ids.get(150), "RETRY", second + 5_000)), false));
    assertEquals("https://api.example.com/hooks/orders",
        all(filter("messageId", ids.get(150), "state", "RETRY")).get(0).getString("url"));
    assertEquals(1, all(filter("host", "api.example.com", "state", "RETRY")).size());
  }

  @Test
  void aRunLongerThanAVarcharHoldsIsStoredWhole() {
    String body = "QUJD".repeat(300_000); // 1.2 million characters of base64
    LoggedMessage big = new LoggedMessage("msg_big", T0, "https://big.example/h", "big.example", "/h", "POST",
        null, body, null, null, null, null, List.of(), null, null, 30_000, 3, null, null, null);
    insert(new EventBatch(List.of(big, message("msg_small", T0)), List.of(event("b1", "msg_big", "CREATED", T0),
        event("b2", "msg_small", "CREATED", T0)), false));
    assertStored(2, 2, 2);
    assertEquals(body, all(filter("messageId", "msg_big")).get(0).getString("body"));
    assertEquals(1, all(filter("host", "big.example")).size());
    assertEquals(1, all(filter("host", "api.example.com")).size());
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

  /** The tables of version 6 on this database. */
  Set<String> chunkTables() {
    return database().dialect() == Dialect.H2 ? Set.of("eventlog_chunk") : Set.of("eventlog_chunk", "eventlog_entry");
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
