package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.model.Redaction;
import dev.courier.support.Sink;
import dev.courier.support.Sink.Reply;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event log end to end (issue #18) on its default database, an H2 file under the data folder: what a
 * message's life writes, read back through {@code /v2/events} and {@code /v2/logs} with their filters and cursor.
 */
class EventLogTest {
  @TempDir
  Path data;
  private Vertx vertx;
  private TestNode node;
  private Sink sink;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    node = TestNode.start(vertx, eventLogEnv(data));
    sink = Sink.start(vertx);
  }

  /**
   * The settings that turn the node's event log on, and where it keeps it: here the default H2 file under the data
   * folder. A subclass points it at another database and runs every case here against it.
   */
  protected Map<String, String> eventLogEnv(Path dataDir) {
    return Map.of("COURIER_EVENT_LOG_ENABLED", "true", "COURIER_DATA_DIR", dataDir.toString());
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    sink.close();
    TestNode.get(vertx.close());
  }

  private String publish(String path, Map<String, String> headers, String body) {
    return node.publish(sink.url(path), headers, body.getBytes(StandardCharsets.UTF_8)).getString("messageId");
  }

  /** The message's entries, oldest first, once its last one is {@code last} (the writer is asynchronous). */
  private List<JsonObject> awaitStates(String id, String last) {
    List<JsonObject> out = new ArrayList<>();
    Sink.waitFor(() -> {
      out.clear();
      JsonArray events = node.getJson("/v2/events?messageId=" + id + "&order=earliestFirst").getJsonArray("events");
      events.forEach(e -> out.add((JsonObject) e));
      return !out.isEmpty() && out.get(out.size() - 1).getString("state").equals(last);
    }, 15_000, "the event log to show " + last + " for " + id);
    return out;
  }

  private static List<String> states(List<JsonObject> entries) {
    return entries.stream().map(e -> e.getString("state")).toList();
  }

  @Test
  void aDeliveredMessageShowsCreatedActiveDeliveredWithItsFields() {
    String id = publish("/ok", Map.of("Upstash-Label", "billing", "Upstash-Forward-X-Trace", "t1",
        "Upstash-Retries", "2", "Upstash-Timeout", "5s"), "{\"a\":1}");
    List<JsonObject> entries = awaitStates(id, "DELIVERED");
    assertEquals(List.of("CREATED", "ACTIVE", "DELIVERED"), states(entries));
    for (JsonObject e : entries) {
      assertEquals(id, e.getString("messageId"));
      assertEquals(sink.url("/ok"), e.getString("url"));
      assertEquals("billing", e.getString("label"), "every entry carries the label: " + e);
      assertEquals(new JsonArray().add("billing"), e.getJsonArray("labels"));
      assertEquals("POST", e.getString("method"));
      assertEquals(2, e.getInteger("maxRetries"));
      assertEquals(5000L, e.getLong("timeout"));
      assertEquals(Base64.getEncoder().encodeToString("{\"a\":1}".getBytes(StandardCharsets.UTF_8)), e.getString("body"));
      assertEquals(new JsonArray().add("t1"), e.getJsonObject("header").getJsonArray("X-Trace"));
      assertTrue(e.getLong("time") > 0);
      assertNull(e.getValue("responseStatus"), "the response fields are only on ERROR entries");
    }
    // newest first by default, and the same page under "logs"
    JsonArray newest = node.getJson("/v2/events?messageId=" + id).getJsonArray("events");
    assertEquals("DELIVERED", newest.getJsonObject(0).getString("state"));
    JsonObject logs = node.getJson("/v2/logs?messageIds=" + id);
    assertEquals(3, logs.getJsonArray("logs").size());
    assertFalse(logs.containsKey("cursor"), "no cursor on the last page");
  }

  @Test
  void aRetriedMessageShowsErrorAndRetryWithTheResponseAndADeadOneFailed() {
    AtomicInteger attempts = new AtomicInteger();
    sink.respond(r -> switch (r.uri()) {
      case "/flaky" -> attempts.incrementAndGet() == 1 ? new Reply(503, Map.of("X-Why", "busy"), "try later", 0)
          : Reply.ok();
      case "/dead" -> Reply.status(500);
      default -> Reply.ok();
    });
    String flaky = publish("/flaky", Map.of("Upstash-Retries", "3", "Upstash-Retry-Delay", "100"), "x");
    List<JsonObject> entries = awaitStates(flaky, "DELIVERED");
    assertEquals(List.of("CREATED", "ACTIVE", "ERROR", "RETRY", "ACTIVE", "DELIVERED"), states(entries));
    JsonObject error = entries.get(2);
    assertEquals(503, error.getInteger("responseStatus"));
    assertEquals(Base64.getEncoder().encodeToString("try later".getBytes(StandardCharsets.UTF_8)),
        error.getString("responseBody"));
    assertEquals(new JsonArray().add("busy"), error.getJsonObject("responseHeader").getJsonArray("X-Why"));
    assertEquals(error.getJsonObject("responseHeader"), error.getJsonObject("responseHeaders"), "both spellings");
    JsonObject retry = entries.get(3);
    assertTrue(retry.getLong("nextDeliveryTime") >= retry.getLong("time"), retry.encode());

    String dead = publish("/dead", Map.of("Upstash-Retries", "0"), "y");
    List<JsonObject> deadEntries = awaitStates(dead, "FAILED");
    assertEquals(List.of("CREATED", "ACTIVE", "ERROR", "FAILED"), states(deadEntries));
    assertEquals(500, deadEntries.get(2).getInteger("responseStatus"));
  }

  @Test
  void aCancelledMessageShowsCancelRequestedAndCanceled() {
    String id = publish("/later", Map.of("Upstash-Delay", "1h"), "z");
    awaitStates(id, "CREATED");
    assertEquals(200, node.send("DELETE", "/v2/messages/" + id, Map.of(), null).statusCode());
    assertEquals(List.of("CREATED", "CANCEL_REQUESTED", "CANCELED"), states(awaitStates(id, "CANCELED")));
  }

  @Test
  void redactedFieldsAreHiddenInTheLog() {
    String id = publish("/secret", Map.of("Upstash-Forward-Authorization", "Bearer s3cret",
        "Upstash-Redact-Fields", "body,header[Authorization]"), "s3cret-body");
    List<JsonObject> entries = awaitStates(id, "DELIVERED");
    String all = new JsonArray(new ArrayList<>(entries)).encode();
    assertFalse(all.contains("s3cret"), all);
    assertFalse(all.contains(Base64.getEncoder().encodeToString("s3cret-body".getBytes(StandardCharsets.UTF_8))), all);
    JsonObject created = entries.get(0);
    assertEquals(Redaction.redacted("s3cret-body"), created.getString("body"));
    assertEquals(new JsonArray().add(Redaction.redacted("Bearer s3cret")),
        created.getJsonObject("header").getJsonArray("Authorization"));
    assertEquals(1, sink.received().stream().filter(r -> r.uri().equals("/secret")
        && "Bearer s3cret".equals(r.header("Authorization"))).count(), "the destination got it intact");
  }

  @Test
  void callbacksAndQueuedMessagesAreLoggedToo() {
    String id = publish("/with-callback", Map.of("Upstash-Callback", sink.url("/cb")), "c");
    awaitStates(id, "DELIVERED");
    Sink.waitFor(() -> sink.received().stream().anyMatch(r -> r.uri().equals("/cb")), 10_000, "the callback");
    String cbUrl = URLEncoder.encode(sink.url("/cb"), StandardCharsets.UTF_8);
    Sink.waitFor(() -> node.getJson("/v2/events?url=" + cbUrl + "&state=DELIVERED").getJsonArray("events").size() == 1,
        10_000, "the callback message's DELIVERED");

    HttpResponse<byte[]> q = node.send("POST", "/v2/enqueue/orders/" + sink.url("/q"), Map.of(), "q".getBytes());
    assertEquals(200, q.statusCode(), new String(q.body()));
    String queued = new JsonObject(Buffer.buffer(q.body())).getString("messageId");
    List<JsonObject> entries = awaitStates(queued, "DELIVERED");
    entries.forEach(e -> assertEquals("orders", e.getString("queueName")));
    assertEquals(3, node.getJson("/v2/events?queueName=orders").getJsonArray("events").size());
  }

  @Test
  void filtersAndTheCursorWalkEveryEntryOnce() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      ids.add(publish("/page", Map.of("Upstash-Label", i % 2 == 0 ? "even" : "odd"), "p" + i));
    }
    ids.forEach(id -> awaitStates(id, "DELIVERED"));
    assertEquals(4, node.getJson("/v2/events?label=even&state=DELIVERED").getJsonArray("events").size());
    assertEquals(7, node.getJson("/v2/events?state=CREATED").getJsonArray("events").size());
    assertEquals(14, node.getJson("/v2/events?state=CREATED,DELIVERED").getJsonArray("events").size());
    assertEquals(7, node.getJson("/v2/events?state=IN_PROGRESS").getJsonArray("events").size(), "ACTIVE");
    assertEquals(21, node.getJson("/v2/events?host=127.0.0.1&path=/page").getJsonArray("events").size());
    assertEquals(0, node.getJson("/v2/events?path=/elsewhere").getJsonArray("events").size());
    assertEquals(0, node.getJson("/v2/events?toDate=1000").getJsonArray("events").size());

    // pages of 4 over the 21 entries: every one once, newest first, no cursor on the last page
    Set<String> seen = new HashSet<>();
    long previous = Long.MAX_VALUE;
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = node.getJson("/v2/events?path=/page&count=4"
          + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)));
      for (Object o : page.getJsonArray("events")) {
        JsonObject e = (JsonObject) o;
        assertTrue(seen.add(e.getString("messageId") + e.getString("state")), "twice: " + e);
        assertTrue(e.getLong("time") <= previous, "newest first");
        previous = e.getLong("time");
      }
      cursor = page.getString("cursor");
      pages++;
    } while (cursor != null);
    assertEquals(21, seen.size());
    assertEquals(6, pages);
  }

  @Test
  void badParametersAreRefusedWithTheirName() {
    HttpResponse<byte[]> unknown = node.send("GET", "/v2/events?labeel=x", Map.of(), null);
    assertEquals(400, unknown.statusCode());
    assertTrue(new String(unknown.body()).contains("labeel"), new String(unknown.body()));
    assertEquals(400, node.send("GET", "/v2/logs?state=LOST", Map.of(), null).statusCode());
    assertEquals(400, node.send("GET", "/v2/events?count=1001", Map.of(), null).statusCode());
    assertEquals(400, node.send("GET", "/v2/events?cursor=not-a-cursor", Map.of(), null).statusCode());
    assertEquals(400, node.send("GET", "/v2/events?order=sideways", Map.of(), null).statusCode());
  }

  @Test
  void withTheEventLogOffBothEndpointsAnswer501() throws Exception {
    try (TestNode off = TestNode.start(vertx)) {
      for (String path : List.of("/v2/events", "/v2/logs")) {
        HttpResponse<byte[]> r = off.send("GET", path, Map.of(), null);
        assertEquals(501, r.statusCode());
        assertTrue(new String(r.body()).contains("event-log.enabled"), new String(r.body()));
      }
      off.publish(sink.url("/off"), Map.of(), new byte[0]);
      Sink.waitFor(() -> sink.received().stream().anyMatch(r -> r.uri().equals("/off")), 10_000, "the delivery");
      // delivered and gone: no outbox stream was written either
      Sink.waitFor(() -> off.storedKeys() == 0, 10_000, "no key left for the node that logs nothing");
    }
  }
}
