package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.Sink.Reply;
import dev.courier.support.TestNode;
import dev.courier.support.TestReceiver;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Publish → Redis → signed delivery, against a real Redis and a real HTTP sink (issue: core engine). */
class DeliveryTest {
  private static Vertx vertx;
  private TestNode node;
  private Sink sink;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    TestNode.get(vertx.close());
  }

  @BeforeEach
  void start() throws Exception {
    node = TestNode.start(vertx);
    sink = Sink.start(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    sink.close();
  }

  @Test
  void deliversBodyBytesMethodAndHeadersSigned() {
    byte[] body = {(byte) 0xff, 0x00, (byte) 0xc3, 0x28, 'h', 'i'}; // not UTF-8
    String url = sink.url("/hook/a//b?x=1&y=%20z");
    JsonObject res = node.publish(url, Map.of(
        "Content-Type", "application/octet-stream",
        "Upstash-Method", "PUT",
        "Upstash-Forward-X-Custom", "one, two",
        "Upstash-Forward-Authorization", "Bearer user-own",
        "Upstash-Retries", "2",
        "Upstash-Telemetry-Sdk", "upstash-qstash-js@2.12.0"), body);
    String id = res.getString("messageId");
    assertTrue(id.startsWith("msg_"));
    assertEquals(url, res.getString("url"));
    assertNull(res.getValue("deduplicated"));

    Sink.Received got = sink.await(1, 10_000).get(0);
    assertEquals("PUT", got.method());
    assertEquals("/hook/a//b?x=1&y=%20z", got.uri());
    assertArrayEquals(body, got.body());
    assertEquals("application/octet-stream", got.header("Content-Type"));
    assertEquals("one, two", got.header("X-Custom"));
    assertEquals("Bearer user-own", got.header("Authorization"), "the user's own Authorization, never our token");
    assertEquals("Upstash-QStash", got.header("User-Agent"));
    assertEquals(id, got.header("Upstash-Message-Id"));
    assertEquals("0", got.header("Upstash-Retried"));
    assertEquals("127.0.0.1", got.header("Upstash-Caller-Ip"));
    for (var h : got.headers()) {
      String name = h.getKey().toLowerCase();
      assertFalse(h.getValue().contains(TestNode.TOKEN), "token leaked in " + h.getKey());
      assertFalse(name.startsWith("upstash-forward-") || name.startsWith("upstash-telemetry")
          || name.equals("upstash-retries") || name.equals("upstash-method"), "control header leaked: " + name);
    }
    JsonObject claims = new TestReceiver(TestNode.CURRENT_KEY, TestNode.NEXT_KEY)
        .verify(got.header("Upstash-Signature"), body, url);
    assertEquals(url, claims.getString("sub"));
    // signed with the current key: a receiver holding only the current key verifies it too
    new TestReceiver(TestNode.CURRENT_KEY, "sig_unrelated").verify(got.header("Upstash-Signature"), body, url);
    assertThrows(TestReceiver.SignatureError.class,
        () -> new TestReceiver("sig_wrong", "sig_wrong2").verify(got.header("Upstash-Signature"), body, url));

    // delivered → terminal → 404
    Sink.waitFor(() -> node.send("GET", "/v2/messages/" + id, Map.of(), null).statusCode() == 404, 5_000,
        "delivered message still visible");
  }

  @Test
  void delayAndNotBeforeAreNeverEarly() {
    long published = System.currentTimeMillis();
    node.publish(sink.url("/delay"), Map.of("Upstash-Delay", "2s"), "d".getBytes());
    long notBefore = System.currentTimeMillis() / 1000 + 3;
    // Not-Before wins over Delay
    node.publish(sink.url("/nb"), Map.of("Upstash-Not-Before", Long.toString(notBefore), "Upstash-Delay", "1h"),
        "n".getBytes());
    List<Sink.Received> got = sink.await(2, 15_000);
    for (Sink.Received r : got) {
      if (r.uri().equals("/delay")) {
        assertTrue(r.at() >= published + 2_000, "delayed message came " + (published + 2_000 - r.at()) + " ms early");
      } else {
        assertTrue(r.at() >= notBefore * 1000, "not-before message came early");
        assertTrue(r.at() < notBefore * 1000 + 5_000, "not-before message came late");
      }
    }
  }

  /**
   * The wheel claims what falls due before its next tick, and the dispatcher holds it until its due time.
   * With a one-second tick a message is claimed up to a second ahead, so sending it at once would show.
   */
  @Test
  void aMessageClaimedAheadOfItsDueTimeIsHeldUntilThen() throws Exception {
    Vertx own = Vertx.vertx(); // one node per Vertx: nodes on one would share the dispatchers' bus address
    TestNode slowTicks = TestNode.start(own, Map.of("COURIER_DELIVERY_TICK_INTERVAL_MS", "1000"));
    try {
      long[] dues = new long[3];
      for (int i = 0; i < dues.length; i++) {
        dues[i] = System.currentTimeMillis() / 1000 + 2 + i;
        slowTicks.publish(sink.url("/ahead/" + i), Map.of("Upstash-Not-Before", Long.toString(dues[i])),
            "a".getBytes());
      }
      for (Sink.Received r : sink.await(dues.length, 15_000)) {
        long due = dues[Integer.parseInt(r.uri().substring("/ahead/".length()))] * 1000;
        assertTrue(r.at() >= due, r.uri() + " came " + (due - r.at()) + " ms early");
        assertTrue(r.at() < due + 1_000, r.uri() + " came " + (r.at() - due) + " ms late");
      }
    } finally {
      slowTicks.close();
      TestNode.get(own.close());
    }
  }

  /**
   * An attempt whose deadline passed while it waited for a connection is never sent once one frees up: it
   * would arrive beside the retry. One dispatcher with one connection per host, held 2 s by a first message.
   */
  @Test
  void anAttemptThatTimedOutWaitingForAConnectionIsNotSentLate() throws Exception {
    Vertx own = Vertx.vertx(); // one node per Vertx: nodes on one would share the dispatchers' bus address
    TestNode oneConnection = TestNode.start(own,
        Map.of("COURIER_DELIVERY_POOL_SIZE_PER_HOST", "1", "COURIER_DELIVERY_INSTANCES", "1"));
    try {
      sink.respond(r -> r.uri().equals("/hold") ? new Sink.Reply(200, Map.of(), "", 2_000) : Sink.Reply.ok());
      oneConnection.publish(sink.url("/hold"), Map.of(), "h".getBytes());
      Sink.waitFor(() -> sink.received().size() == 1, 5_000, "the first message did not arrive");
      oneConnection.publish(sink.url("/late"), Map.of("Upstash-Timeout", "1s", "Upstash-Retries", "0"), "l".getBytes());
      // Its deadline passes at 1 s, the connection frees at 2 s; it is dead-lettered with the timeout.
      Sink.waitFor(() -> oneConnection.deadLetters().size() == 1, 10_000, "the timed-out message was not dead-lettered");
      Thread.sleep(1_500);
      assertEquals(List.of("/hold"), sink.received().stream().map(Sink.Received::uri).toList(),
          "an attempt was sent after its deadline had passed");
    } finally {
      oneConnection.close();
      TestNode.get(own.close());
    }
  }

  @Test
  void retriesCountAndFollowTheExpression() {
    AtomicInteger calls = new AtomicInteger();
    sink.respond(r -> calls.incrementAndGet() <= 2 ? Reply.status(500) : Reply.ok());
    String id = node.publish(sink.url("/retry"), Map.of("Upstash-Retries", "3",
        "Upstash-Retry-Delay", "300 * (1 + retried)"), "r".getBytes()).getString("messageId");
    List<Sink.Received> got = sink.await(3, 15_000);
    assertEquals(List.of("0", "1", "2"), got.stream().map(r -> r.header("Upstash-Retried")).toList());
    got.forEach(r -> assertEquals(id, r.header("Upstash-Message-Id")));
    long gap1 = got.get(1).at() - got.get(0).at();
    long gap2 = got.get(2).at() - got.get(1).at();
    assertTrue(gap1 >= 300 && gap1 < 3_000, "first retry after " + gap1 + " ms, expected >= 300");
    assertTrue(gap2 >= 600 && gap2 < 4_000, "second retry after " + gap2 + " ms, expected >= 600");
    Sink.waitFor(() -> node.send("GET", "/v2/messages/" + id, Map.of(), null).statusCode() == 404, 5_000,
        "delivered message still visible");
    assertEquals(0, node.deadLetters().size());
  }

  @Test
  void retryAfterIsHonoured() {
    AtomicInteger calls = new AtomicInteger();
    sink.respond(r -> calls.incrementAndGet() == 1 ? new Reply(429, Map.of("Retry-After", "1"), "", 0) : Reply.ok());
    node.publish(sink.url("/ra"), Map.of(), "x".getBytes());
    List<Sink.Received> got = sink.await(2, 10_000); // default backoff would be 12 s
    long gap = got.get(1).at() - got.get(0).at();
    assertTrue(gap >= 1_000 && gap < 5_000, "retry after " + gap + " ms, expected about 1 s");
  }

  @Test
  void nonRetryable489GoesStraightToTheDlq() throws Exception {
    sink.respond(r -> new Reply(489, Map.of("Upstash-NonRetryable-Error", "true"), "nope", 0));
    String id = node.publish(sink.url("/489"), Map.of("Upstash-Retries", "3"), "x".getBytes()).getString("messageId");
    Sink.waitFor(() -> node.deadLetters().size() == 1, 10_000, "no dead letter");
    Thread.sleep(300);
    assertEquals(1, sink.received().size(), "a 489 must not be retried");
    JsonObject dead = node.deadLetters().getJsonObject(0);
    assertEquals(id, dead.getString("messageId"));
    assertEquals(489, dead.getInteger("responseStatus"));
    assertEquals("nope", dead.getString("responseBody"));
  }

  @Test
  void exhaustedRetriesLandInTheDlqWithTheLastResponse() {
    AtomicInteger calls = new AtomicInteger();
    sink.respond(r -> new Reply(500 + calls.incrementAndGet(), Map.of("X-Attempt", "" + calls.get()), "boom " + calls.get(), 0));
    String id = node.publish(sink.url("/dead"), Map.of("Upstash-Retries", "2", "Upstash-Retry-Delay", "100",
        "Upstash-Label", "l1,l2"), "payload".getBytes()).getString("messageId");
    Sink.waitFor(() -> node.deadLetters().size() == 1, 10_000, "no dead letter");
    assertEquals(3, sink.received().size());
    JsonObject dead = node.deadLetters().getJsonObject(0);
    assertEquals(id, dead.getString("messageId"));
    assertEquals(503, dead.getInteger("responseStatus"), "the last response, not the first");
    assertEquals("boom 3", dead.getString("responseBody"));
    assertEquals(List.of("3"), dead.getJsonObject("responseHeader").getJsonArray("X-Attempt").getList());
    assertEquals("payload", dead.getString("body"));
    assertEquals(2, dead.getInteger("retried"));
    assertEquals("l1", dead.getString("label"));
    String dlqId = dead.getString("dlqId");
    assertEquals(dead, node.getJson("/v2/dlq/" + dlqId));
    assertEquals(404, node.send("GET", "/v2/messages/" + id, Map.of(), null).statusCode());
    assertEquals(200, node.send("DELETE", "/v2/dlq/" + dlqId, Map.of(), null).statusCode());
    assertEquals(404, node.send("DELETE", "/v2/dlq/" + dlqId, Map.of(), null).statusCode());
  }

  /**
   * A page of dead letters ends once it holds about 8 MiB of bodies, with a cursor to the rest: each may
   * keep a 1 MiB body, and a hundred rendered at once could exhaust a small heap. Every one is still
   * listed exactly once across the pages.
   */
  @Test
  void largeDeadLettersArePagedBySize() {
    sink.respond(r -> new Reply(500, Map.of(), "no", 0));
    byte[] body = "a".repeat(1_000_000).getBytes(StandardCharsets.US_ASCII);
    java.util.Set<String> published = new java.util.HashSet<>();
    for (int i = 0; i < 10; i++) {
      published.add(node.publish(sink.url("/big"), Map.of("Upstash-Retries", "0", "Content-Type", "text/plain"), body)
          .getString("messageId"));
    }
    Sink.waitFor(() -> sink.received().size() == 10, 20_000, "not every attempt made");
    java.util.Set<String> listed = new java.util.HashSet<>();
    long deadline = System.currentTimeMillis() + 10_000;
    while (listed.size() < 10 && System.currentTimeMillis() < deadline) { // the last outcomes may still land
      listed.clear();
      List<Integer> pages = new java.util.ArrayList<>();
      String cursor = null;
      do {
        JsonObject page = node.getJson("/v2/dlq" + (cursor == null ? "" : "?cursor=" + cursor));
        var messages = page.getJsonArray("messages");
        pages.add(messages.size());
        for (int i = 0; i < messages.size(); i++) {
          assertTrue(listed.add(messages.getJsonObject(i).getString("messageId")), "listed twice");
          assertEquals(1_000_000, messages.getJsonObject(i).getString("body").length());
        }
        cursor = page.getString("cursor");
      } while (cursor != null);
      if (listed.size() == 10) {
        assertTrue(pages.get(0) < 10 && pages.get(0) >= 8, "first page cut at about 8 MiB: " + pages);
      }
    }
    assertEquals(published, listed);
  }

  /**
   * A node told to stop finishes the attempts it holds and records their outcomes before it closes. It
   * used to close its HTTP client and Redis connection at once: a delivery the destination had answered
   * 200 stayed leased in Redis and went out again once its lease expired.
   */
  @Test
  void aStoppingNodeFinishesTheAttemptsItHolds() {
    sink.respond(r -> new Reply(200, Map.of(), "ok", 1_000));
    node.publish(sink.url("/slow"), Map.of(), "x".getBytes());
    sink.await(1, 10_000); // the attempt is out, its answer a second away
    long start = System.currentTimeMillis();
    TestNode.get(node.courier().stop());
    assertTrue(System.currentTimeMillis() - start >= 500, "the stop waited for the answer");
    assertEquals(0, node.storedKeys(), "delivered and acknowledged: nothing left leased to go out again");
  }

  /**
   * A message whose attempts were all lost with the nodes making them (the reaper counts each) goes to the
   * DLQ without another attempt: one that takes its node down must not be retried for ever.
   */
  @Test
  void aMessageWhoseAttemptsWereLostWithTheirNodesIsDeadLettered() {
    String id = node.publish(sink.url("/poison"), Map.of("Upstash-Retries", "1", "Upstash-Delay", "1h"), "p".getBytes())
        .getString("messageId");
    // As after two attempts lost with their leases: retried past the one retry allowed, and due now.
    var keys = new dev.courier.redis.Keys(node.prefix(), 1);
    var redis = io.vertx.redis.client.Redis.createClient(vertx, dev.courier.support.TestRedis.url());
    try {
      TestNode.get(redis.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.HSET)
          .arg(keys.retried(0)).arg(id).arg(2)));
      TestNode.get(redis.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.ZADD)
          .arg(keys.due(0)).arg(System.currentTimeMillis()).arg(id)));
    } finally {
      redis.close();
    }
    Sink.waitFor(() -> node.deadLetters().size() == 1, 10_000, "not dead-lettered");
    JsonObject dead = node.deadLetters().getJsonObject(0);
    assertEquals(id, dead.getString("messageId"));
    assertTrue(dead.getString("error").startsWith("retries used up"), dead.encode());
    assertEquals(1, dead.getInteger("retried"), "retries made, at most the maximum");
    assertEquals(0, sink.received().size(), "no further attempt");
  }

  /**
   * The DLQ cursor is a position: a client that deletes each page it reads (the SDK's loop) still sees
   * every dead letter once, and dead letters added meanwhile do not repeat a page. With an offset, deleting
   * a page made the next one skip as many.
   */
  @Test
  void dlqCursorsAreStableUnderDeletesAndArrivals() {
    sink.respond(r -> new Reply(500, Map.of(), "no", 0));
    java.util.Set<String> dead = new java.util.HashSet<>();
    for (int i = 0; i < 6; i++) {
      dead.add(node.publish(sink.url("/d" + i), Map.of("Upstash-Retries", "0"), ("d" + i).getBytes())
          .getString("messageId"));
    }
    Sink.waitFor(() -> node.deadLetters().size() == 6, 10_000, "not all dead-lettered");

    java.util.List<String> seen = new java.util.ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = node.getJson("/v2/dlq?count=2" + (cursor == null ? "" : "&cursor=" + cursor));
      var messages = page.getJsonArray("messages");
      for (int i = 0; i < messages.size(); i++) {
        seen.add(messages.getJsonObject(i).getString("messageId"));
        assertEquals(200, node.send("DELETE", "/v2/dlq/" + messages.getJsonObject(i).getString("dlqId"), Map.of(),
            null).statusCode());
      }
      cursor = page.getString("cursor");
    } while (cursor != null);
    assertEquals(6, seen.size(), "each seen once: " + seen);
    assertEquals(dead, new java.util.HashSet<>(seen));

    for (int i = 0; i < 2; i++) {
      node.publish(sink.url("/e" + i), Map.of("Upstash-Retries", "0"), "e".getBytes());
    }
    Sink.waitFor(() -> node.deadLetters().size() == 2, 10_000, "not dead-lettered");
    JsonObject first = node.getJson("/v2/dlq?count=1");
    node.publish(sink.url("/late"), Map.of("Upstash-Retries", "0"), "late".getBytes());
    Sink.waitFor(() -> node.deadLetters().size() == 3, 10_000, "the late one not dead-lettered");
    JsonObject second = node.getJson("/v2/dlq?count=1&cursor=" + first.getString("cursor"));
    assertTrue(!first.getJsonArray("messages").getJsonObject(0).getString("dlqId")
        .equals(second.getJsonArray("messages").getJsonObject(0).getString("dlqId")), "a new arrival repeated a page");
  }

  @Test
  void timeoutAbortsTheAttempt() {
    sink.respond(r -> new Reply(200, Map.of(), "late", 10_000));
    long start = System.currentTimeMillis();
    node.publish(sink.url("/slow"), Map.of("Upstash-Timeout", "1s", "Upstash-Retries", "0"), "x".getBytes());
    Sink.waitFor(() -> node.deadLetters().size() == 1, 8_000, "timed-out attempt not failed");
    long took = System.currentTimeMillis() - start;
    assertTrue(took >= 1_000 && took < 6_000, "attempt failed after " + took + " ms");
    JsonObject dead = node.deadLetters().getJsonObject(0);
    assertNull(dead.getValue("responseStatus"), "no response, so no status");
    assertTrue(dead.getString("error").contains("timeout"), dead.getString("error"));
  }

  @Test
  void keyRotationSignsWithTheNewCurrentKey() {
    JsonObject before = node.getJson("/v2/keys");
    assertEquals(TestNode.CURRENT_KEY, before.getString("current"));
    assertEquals(TestNode.NEXT_KEY, before.getString("next"));
    var rotated = node.send("POST", "/v2/keys/rotate", Map.of(), null);
    assertEquals(200, rotated.statusCode());
    JsonObject after = new JsonObject(new String(rotated.body(), StandardCharsets.UTF_8));
    assertEquals(TestNode.NEXT_KEY, after.getString("current"));
    assertTrue(after.getString("next").startsWith("sig_"));
    assertEquals(after, node.getJson("/v2/keys"));

    byte[] body = "{\"after\":\"rotation\"}".getBytes();
    String url = sink.url("/rotated");
    node.publish(url, Map.of("Content-Type", "application/json"), body);
    String sig = sink.await(1, 10_000).get(0).header("Upstash-Signature");
    // A receiver still holding the old pair keeps verifying (the old next is the new current) ...
    new TestReceiver(TestNode.CURRENT_KEY, TestNode.NEXT_KEY).verify(sig, body, url);
    // ... and the signature is made with the new current key.
    new TestReceiver(after.getString("current"), "sig_unrelated").verify(sig, body, url);
    assertThrows(TestReceiver.SignatureError.class,
        () -> new TestReceiver(TestNode.CURRENT_KEY, "sig_unrelated").verify(sig, body, url));
  }
}
