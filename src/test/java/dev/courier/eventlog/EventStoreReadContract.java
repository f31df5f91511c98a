package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.BODY;
import static dev.courier.eventlog.LogFixtures.T0;
import static dev.courier.eventlog.LogFixtures.await;
import static dev.courier.eventlog.LogFixtures.event;
import static dev.courier.eventlog.LogFixtures.failure;
import static dev.courier.eventlog.LogFixtures.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading the log: every field of §5.8, every filter of §6, pages to the end both ways. */
abstract class EventStoreReadContract extends StoreTest {

  @Test
  void everyFieldComesBackAsALogEntry() {
    LoggedMessage m = new LoggedMessage("msg_full", T0, "https://api.example.com:8443/hooks/orders?x=1",
        "api.example.com", "/hooks/orders", "PUT", header(), BODY, "group-a", "endpoint-1", "queue-a", "scd_1",
        List.of("l1", "l2"), "10.1.2.3", "fck", 15_000, 5, "pow(2, retried) * 1000", "https://cb.example/ok",
        "https://cb.example/fail");
    JsonObject responseHeader = new JsonObject().put("Content-Type", new JsonArray().add("text/plain"))
        .put("Retry-After", new JsonArray().add("3"));
    String responseBody = Base64.getEncoder().encodeToString("boom".getBytes());
    insert(new EventBatch(List.of(m), List.of(
        event("k1", "msg_full", "CREATED", T0),
        event("k2", "msg_full", "ACTIVE", T0 + 1),
        new LoggedEvent("k3", "msg_full", "ERROR", T0 + 2, null, 500, responseHeader, responseBody, "HTTP 500"),
        new LoggedEvent("k4", "msg_full", "RETRY", T0 + 3, T0 + 12_000, null, null, null, null)), false));

    JsonObject base = new JsonObject().put("messageId", "msg_full")
        .put("url", "https://api.example.com:8443/hooks/orders?x=1").put("topicName", "group-a")
        .put("endpointName", "endpoint-1").put("scheduleId", "scd_1").put("queueName", "queue-a")
        .put("header", header()).put("body", BODY).put("label", "l1").put("labels", new JsonArray().add("l1").add("l2"))
        .put("timeout", 15_000L).put("method", "PUT").put("callback", "https://cb.example/ok")
        .put("failureCallback", "https://cb.example/fail").put("maxRetries", 5)
        .put("retryDelayExpression", "pow(2, retried) * 1000").put("retryDelayExpr", "pow(2, retried) * 1000");
    List<JsonObject> expected = List.of(
        base.copy().put("time", T0 + 3).put("state", "RETRY").put("nextDeliveryTime", T0 + 12_000),
        base.copy().put("time", T0 + 2).put("state", "ERROR").put("error", "HTTP 500").put("responseStatus", 500)
            .put("responseBody", responseBody).put("responseHeader", responseHeader)
            .put("responseHeaders", responseHeader),
        base.copy().put("time", T0 + 1).put("state", "ACTIVE"),
        base.copy().put("time", T0).put("state", "CREATED"));
    List<JsonObject> entries = all(EventFilter.NONE);
    assertEquals(expected, entries);
    // Types as the SDKs read them: numbers are numbers, the header maps are objects of arrays.
    assertInstanceOf(Number.class, entries.get(1).getValue("responseStatus"));
    assertEquals(List.of("3"), entries.get(1).getJsonObject("responseHeaders").getJsonArray("Retry-After").getList());
  }

  @Test
  void absentFieldsAreLeftOutNotSentAsNull() {
    insert(new EventBatch(List.of(new LoggedMessage("msg_min", T0, "https://a.example/", "a.example", "/", "POST",
        null, null, null, null, null, null, List.of(), null, null, 30_000, 0, null, null, null)),
        List.of(event("k1", "msg_min", "CREATED", T0)), false));
    JsonObject entry = all(EventFilter.NONE).get(0);
    assertEquals(new JsonObject().put("time", T0).put("messageId", "msg_min").put("state", "CREATED")
        .put("url", "https://a.example/").put("method", "POST").put("timeout", 30_000L).put("maxRetries", 0), entry);
    entry.forEach(e -> assertNotNull(e.getValue(), e.getKey()));
  }

  /** m1..m3 with their events; m4 has events but no message row (created before the log existed). */
  private void insertFilterFixture() {
    List<LoggedMessage> ms = List.of(
        message("m1", "a.example", "/x", "g1", null, "s1", List.of("red", "blue"), "1.1.1.1", "k1"),
        message("m2", "b.example", "/y", null, "q1", null, List.of("blue"), "2.2.2.2", null),
        message("m3", "a.example", "/y", "g2", "q1", null, List.of(), "1.1.1.1", "k2"));
    List<LoggedEvent> es = List.of(
        event("e1", "m1", "CREATED", T0 + 10), event("e2", "m1", "ACTIVE", T0 + 11),
        event("e3", "m1", "DELIVERED", T0 + 12),
        event("e4", "m2", "CREATED", T0 + 20), event("e5", "m2", "ACTIVE", T0 + 21),
        event("e6", "m2", "ERROR", T0 + 22), event("e7", "m2", "RETRY", T0 + 23),
        event("e8", "m3", "CREATED", T0 + 30), event("e9", "m3", "CANCEL_REQUESTED", T0 + 31),
        event("e10", "m3", "CANCELED", T0 + 32),
        event("e11", "m4", "ACTIVE", T0 + 40), event("e12", "m4", "FAILED", T0 + 41));
    insert(new EventBatch(ms, es, false));
  }

  private static LoggedMessage message(String id, String host, String path, String topic, String queue,
      String schedule, List<String> labels, String ip, String flowControlKey) {
    return new LoggedMessage(id, T0, "https://" + host + path, host, path, "POST", header(), BODY, topic,
        topic == null ? null : "e1", queue, schedule, labels, ip, flowControlKey, 30_000, 3, null, null, null);
  }

  @Test
  void filtersOnTheEvent() {
    insertFilterFixture();
    assertEquals(List.of("m4:FAILED", "m4:ACTIVE", "m3:CANCELED", "m3:CANCEL_REQUESTED", "m3:CREATED", "m2:RETRY",
        "m2:ERROR", "m2:ACTIVE", "m2:CREATED", "m1:DELIVERED", "m1:ACTIVE", "m1:CREATED"), seen());
    assertEquals(List.of("m1:DELIVERED", "m1:ACTIVE", "m1:CREATED"), seen("messageId", "m1"));
    assertEquals(List.of("m4:FAILED", "m4:ACTIVE", "m1:DELIVERED", "m1:ACTIVE", "m1:CREATED"),
        seen("messageIds", "m1", "messageIds", "m4"));
    assertEquals(List.of("m3:CANCELED", "m3:CANCEL_REQUESTED", "m3:CREATED", "m1:DELIVERED", "m1:ACTIVE",
        "m1:CREATED"), seen("messageIds", "m1,m3"));
    assertEquals(List.of("m1:DELIVERED"), seen("state", "DELIVERED"));
    assertEquals(List.of("m4:ACTIVE", "m2:RETRY", "m2:ERROR", "m2:ACTIVE", "m1:ACTIVE"),
        seen("state", "IN_PROGRESS"));
    assertEquals(List.of("m3:CANCELED"), seen("state", "CANCELLED"));
    assertEquals(List.of("m3:CANCEL_REQUESTED"), seen("state", "CANCEL_REQUESTED"));
    assertEquals(List.of("m4:FAILED", "m3:CREATED", "m2:CREATED", "m1:CREATED"), seen("state", "CREATED,FAILED"));
    // Inclusive at both ends, on the event's time.
    assertEquals(List.of("m3:CANCEL_REQUESTED", "m3:CREATED", "m2:RETRY", "m2:ERROR", "m2:ACTIVE"),
        seen("fromDate", String.valueOf(T0 + 21), "toDate", String.valueOf(T0 + 31)));
    assertEquals(List.of("m4:FAILED"), seen("fromDate", String.valueOf(T0 + 41)));
    assertEquals(List.of("m1:CREATED"), seen("toDate", String.valueOf(T0 + 10)));
    assertEquals(List.of(), seen("messageId", "nope"));
  }

  @Test
  void filtersOnTheMessage() {
    insertFilterFixture();
    assertEquals(List.of("m1:DELIVERED", "m1:ACTIVE", "m1:CREATED"), seen("url", "https://a.example/x"));
    assertEquals(List.of("m1:DELIVERED", "m1:ACTIVE", "m1:CREATED"), seen("topicName", "g1"));
    assertEquals(List.of("m3:CANCELED", "m3:CANCEL_REQUESTED", "m3:CREATED"), seen("urlGroup", "g2"));
    assertEquals(6, seen("topicName", "g1,g2").size());
    assertEquals(List.of("m1:DELIVERED", "m1:ACTIVE", "m1:CREATED"), seen("scheduleId", "s1"));
    assertEquals(List.of("m3:CANCELED", "m3:CANCEL_REQUESTED", "m3:CREATED", "m2:RETRY", "m2:ERROR", "m2:ACTIVE",
        "m2:CREATED"), seen("queueName", "q1"));
    assertEquals(List.of("m2:RETRY", "m2:ERROR", "m2:ACTIVE", "m2:CREATED"), seen("callerIP", "2.2.2.2"));
    assertEquals(6, seen("callerIp", "1.1.1.1").size());
    assertEquals(List.of("m3:CANCELED", "m3:CANCEL_REQUESTED", "m3:CREATED"), seen("flowControlKey", "k2"));
    assertEquals(6, seen("host", "a.example").size());
    assertEquals(7, seen("path", "/y").size());
    assertEquals(List.of("m3:CANCELED", "m3:CANCEL_REQUESTED", "m3:CREATED"),
        seen("host", "a.example", "path", "/y"));
    assertEquals(List.of("m2:CREATED"), seen("queueName", "q1", "callerIp", "2.2.2.2", "state", "CREATED"));
  }

  @Test
  void aLabelFilterMatchesAnyOfTheMessagesLabels() {
    insertFilterFixture();
    assertEquals(List.of("m2:RETRY", "m2:ERROR", "m2:ACTIVE", "m2:CREATED", "m1:DELIVERED", "m1:ACTIVE",
        "m1:CREATED"), seen("label", "blue"));
    assertEquals(List.of("m1:DELIVERED", "m1:ACTIVE", "m1:CREATED"), seen("label", "red"));
    assertEquals(List.of("m1:DELIVERED", "m1:ACTIVE", "m1:CREATED"), seen("label", "red,green"));
    assertEquals(7, seen("label", "red", "label", "blue").size());
    assertEquals(List.of(), seen("label", "green"));
    assertEquals(List.of("m2:CREATED", "m1:CREATED"), seen("label", "blue", "state", "CREATED"));
    JsonObject entry = all(filter("messageId", "m1")).get(0);
    assertEquals("red", entry.getString("label"));
    assertEquals(new JsonArray().add("red").add("blue"), entry.getJsonArray("labels"));
  }

  /** 23 events, four to a millisecond, so that pages end inside a millisecond. */
  private List<String> insertPagingFixture() {
    List<LoggedEvent> es = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      es.add(event("p" + i, "msg_p", i % 2 == 0 ? "ACTIVE" : "ERROR", T0 + i / 4));
    }
    insert(new EventBatch(List.of(LogFixtures.message("msg_p", T0)), es, false));
    return es.stream().map(LoggedEvent::key).toList();
  }

  private List<List<JsonObject>> pages(EventFilter filter, int count, boolean newestFirst) {
    List<List<JsonObject>> pages = new ArrayList<>();
    String cursor = null;
    do {
      EventPage page = await(store.query(filter, count, cursor, newestFirst));
      pages.add(page.entries());
      cursor = page.cursor();
      assertTrue(pages.size() < 100, "the cursor goes round in circles");
    } while (cursor != null);
    return pages;
  }

  /** An entry's place in the fixture, from its time and the order of the events of that millisecond. */
  private static List<Long> times(List<List<JsonObject>> pages) {
    return pages.stream().flatMap(List::stream).map(e -> e.getLong("time")).toList();
  }

  @Test
  void pagesNewestFirstToTheEndWithTheCursorAbsentOnTheLast() {
    insertPagingFixture();
    List<List<JsonObject>> pages = pages(EventFilter.NONE, 5, true);
    assertEquals(List.of(5, 5, 5, 5, 3), pages.stream().map(List::size).toList());
    List<String> states = pages.stream().flatMap(List::stream).map(e -> e.getString("state")).toList();
    List<String> expected = new ArrayList<>();
    for (int i = 22; i >= 0; i--) {
      expected.add(i % 2 == 0 ? "ACTIVE" : "ERROR");
    }
    assertEquals(expected, states);
    List<Long> times = times(pages);
    for (int i = 1; i < times.size(); i++) {
      assertTrue(times.get(i) <= times.get(i - 1), "newest first: " + times);
    }
  }

  @Test
  void pagesOldestFirst() {
    insertPagingFixture();
    List<List<JsonObject>> pages = pages(EventFilter.NONE, 5, false);
    assertEquals(List.of(5, 5, 5, 5, 3), pages.stream().map(List::size).toList());
    List<String> states = pages.stream().flatMap(List::stream).map(e -> e.getString("state")).toList();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      expected.add(i % 2 == 0 ? "ACTIVE" : "ERROR");
    }
    assertEquals(expected, states);
    assertEquals(T0, times(pages).get(0));
  }

  @Test
  void aPageThatEndsExactlyAtTheLastEntryHasNoCursor() {
    insertPagingFixture();
    EventPage whole = await(store.query(EventFilter.NONE, 23, null, true));
    assertEquals(23, whole.entries().size());
    assertNull(whole.cursor());
    EventPage first = await(store.query(EventFilter.NONE, 22, null, true));
    assertNotNull(first.cursor());
    EventPage last = await(store.query(EventFilter.NONE, 22, first.cursor(), true));
    assertEquals(1, last.entries().size());
    assertNull(last.cursor());
    assertEquals(new EventPage(List.of(), null), await(store.query(filter("state", "FAILED"), 10, null, true)));
  }

  @Test
  void pagesOfAFilteredLog() {
    insertPagingFixture();
    List<List<JsonObject>> pages = pages(filter("state", "ERROR"), 4, true);
    assertEquals(List.of(4, 4, 3), pages.stream().map(List::size).toList());
  }

  @Test
  void aCursorThatIsNotOursIsRefusedByName() {
    for (String bad : List.of("abc", "12", "-1-2", "1-x", "1-", "")) {
      Throwable e = failure(store.query(EventFilter.NONE, 5, bad, true));
      assertInstanceOf(IllegalArgumentException.class, e);
      assertEquals("invalid cursor: " + bad, e.getMessage());
    }
    assertInstanceOf(IllegalArgumentException.class, failure(store.query(EventFilter.NONE, 0, null, true)));
  }

  /**
   * Runs that overlap in time (messages of several batches, runs that a long span cut, runs that end after others
   * start) still page in the exact order of their events' times, both ways, whatever the page size, with every
   * event once; and a date range cuts through runs.
   */
  @Test
  void overlappingRunsPageInTheOrderOfTheirEvents() {
    java.util.Random random = new java.util.Random(7);
    List<Long> times = new ArrayList<>();
    java.util.Set<Long> used = new java.util.HashSet<>();
    int key = 0;
    for (int b = 0; b < 6; b++) {
      List<LoggedEvent> es = new ArrayList<>();
      for (int m = 0; m < 8; m++) {
        long start = T0 + random.nextInt(3_000);
        int n = 1 + random.nextInt(5);
        for (int i = 0; i < n; i++) {
          long t = start + random.nextInt((int) (2 * Chunks.MAX_SPAN_MS));
          while (!used.add(t)) {
            t++;
          }
          times.add(t);
          es.add(event("o" + key++, "msg_o" + b + "_" + m, i % 2 == 0 ? "ACTIVE" : "ERROR", t));
        }
      }
      insert(new EventBatch(List.of(), es, false));
    }
    List<Long> newest = times.stream().sorted(java.util.Comparator.reverseOrder()).toList();
    List<Long> oldest = times.stream().sorted().toList();
    for (int count : List.of(2, 3, 10, 1000)) {
      assertEquals(newest, times(pages(EventFilter.NONE, count, true)), "count " + count);
      assertEquals(oldest, times(pages(EventFilter.NONE, count, false)), "count " + count);
    }
    long from = oldest.get(40);
    long to = oldest.get(90);
    List<List<JsonObject>> range = pages(filter("fromDate", String.valueOf(from), "toDate", String.valueOf(to)), 7,
        true);
    assertEquals(newest.stream().filter(t -> t >= from && t <= to).toList(), times(range));
    List<Long> errors = times(pages(filter("state", "ERROR"), 4, false));
    assertEquals(errors.stream().sorted().toList(), errors);
    assertTrue(errors.size() > 10 && errors.size() < times.size() / 2 + 10, errors.toString());
  }

  /**
   * A filter that matches little reads a bounded number of chunks per page: the page comes back short (here empty)
   * with a cursor that goes on where the reading stopped, both ways, and the pages still find every match once;
   * also where the chunks lie close together in time (a millisecond each), and where they all share one.
   */
  @Test
  void aFilterThatMatchesLittleReadsBoundedPagesThatGoOnToTheEnd() {
    for (long step : List.of(1000L, 1L, 0L)) {
      java.util.Set<String> rare = new java.util.HashSet<>();
      long t0 = T0 + 10_000_000L * step;
      List<LoggedMessage> ms = new ArrayList<>();
      List<LoggedEvent> es = new ArrayList<>();
      for (int i = 0; i < EventPager.MAX_SCANNED + 100; i++) {
        // each message created in a second of its own: a chunk of its own
        String id = "msg_0_" + dev.courier.model.Ids.timeOrdered(24, t0 + 1000L * i);
        String host = i == 3 ? "rare" + step + ".example" : "api.example.com";
        ms.add(LogFixtures.message(id, t0 + 1000L * i, host, "/h", null, null, List.of(), null, null));
        es.add(event("s" + step + ":" + i + "-0:0", id, "CREATED", t0 + step * i));
      }
      insert(new EventBatch(ms, es, false));
      for (boolean newestFirst : List.of(true, false)) {
        List<EventPage> pages = new ArrayList<>();
        String cursor = null;
        do {
          EventPage page = await(store.query(filter("host", "rare" + step + ".example"), 10, cursor, newestFirst));
          pages.add(page);
          cursor = page.cursor();
        } while (cursor != null && pages.size() < 10);
        String what = "step " + step + ", newest first " + newestFirst;
        assertNull(cursor, "the pages end: " + what);
        assertTrue(pages.size() >= 2, "a page read at most " + EventPager.MAX_SCANNED + " chunks: " + what);
        assertEquals(List.of(t0 + 3 * step), pages.stream().flatMap(p -> p.entries().stream())
            .map(e -> e.getLong("time")).toList(), what);
      }
    }
  }

  /**
   * A lookup by message id reads its chunks along the key index, never the whole table: for the writer's replay
   * check, the pager's field lookups and a messageId filter (H2 scanned the table for an OR of key ranges).
   */
  @Test
  void lookupsByIdGoAlongTheKeyIndex() throws Exception {
    List<String> ids = new ArrayList<>();
    try (java.sql.Connection c = TestDatabase.jdbc(config)) {
      c.setAutoCommit(false);
      try (java.sql.PreparedStatement insert = c.prepareStatement(ChunkWriter.INSERT)) {
        for (int i = 0; i < 2_000; i++) {
          String id = "msg_0_" + dev.courier.model.Ids.timeOrdered(24, T0 + 300L * i);
          ids.add(id);
          long key = MessageKey.of(id);
          insert.setLong(1, key);
          insert.setLong(2, key);
          insert.setLong(3, T0 + 300L * i);
          insert.setLong(4, T0 + 300L * i);
          insert.setString(5, ",CREATED,");
          insert.setString(6, "[]");
          insert.setString(7, null);
          insert.addBatch();
        }
        insert.executeBatch();
      }
      c.commit();
      if (database().dialect() == Dialect.POSTGRESQL) {
        try (java.sql.Statement st = c.createStatement()) {
          st.execute("ANALYZE eventlog_chunk");
          st.execute("SET enable_seqscan = off"); // a plan that can go along indexes does; one that cannot scans
        }
      }
      io.vertx.sqlclient.Tuple params = io.vertx.sqlclient.Tuple.tuple();
      String lookup = "SELECT runs, runs_large FROM eventlog_chunk WHERE "
          + Chunks.holding(List.of(ids.get(5), ids.get(900), ids.get(1_700)), params);
      EventQuery.Sql page = EventQuery.chunks(filter("messageId", ids.get(5) + "," + ids.get(900)), null, null,
          true, 100);
      for (EventQuery.Sql sql : List.of(new EventQuery.Sql(lookup, params), page)) {
        String plan = explain(c, sql);
        if (database().dialect() == Dialect.H2) {
          assertFalse(plan.contains("tableScan"), plan);
          assertTrue(plan.contains("EVENTLOG_CHUNK_KEY"), plan);
        } else {
          assertFalse(plan.contains("Seq Scan"), plan);
          assertTrue(plan.contains("eventlog_chunk_key"), plan);
        }
      }
    }
    // and the lookups find what they name
    insert(new EventBatch(List.of(LogFixtures.message(ids.get(7), T0 + 2_100)),
        List.of(event("x:1-0:0", ids.get(7), "CREATED", T0 + 2_100)), false));
    assertEquals(List.of(ids.get(7) + ":CREATED"), seen("messageId", ids.get(7)));
  }

  private static String explain(java.sql.Connection c, EventQuery.Sql sql) throws java.sql.SQLException {
    try (java.sql.PreparedStatement st = c.prepareStatement("EXPLAIN " + sql.text())) {
      for (int i = 0; i < sql.params().size(); i++) {
        st.setObject(i + 1, sql.params().getValue(i));
      }
      StringBuilder plan = new StringBuilder();
      try (java.sql.ResultSet rows = st.executeQuery()) {
        while (rows.next()) {
          plan.append(rows.getString(1)).append('\n');
        }
      }
      return plan.toString();
    }
  }
}
