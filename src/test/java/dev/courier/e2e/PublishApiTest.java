package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The publish, messages and auth API: dedup, cancellation, and every kind of bad input. */
class PublishApiTest {
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
    node = TestNode.start(vertx, Map.of("COURIER_LIMITS_MAX_BODY_SIZE", "2048",
        "COURIER_LIMITS_MAX_HEADER_SIZE", "4096", "COURIER_LIMITS_MAX_DELAY", "7d", "COURIER_LIMITS_MAX_RETRIES", "5"));
    sink = Sink.start(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    sink.close();
  }

  private static JsonObject json(HttpResponse<byte[]> r) {
    return new JsonObject(new String(r.body(), StandardCharsets.UTF_8));
  }

  @Test
  void hundredConcurrentPublishesWithOneDedupIdMakeOneMessage() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Future<HttpResponse<byte[]>>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 100; i++) {
        all.add(pool.submit(() -> node.send("POST", "/v2/publish/" + sink.url("/dedup"),
            Map.of("Upstash-Deduplication-Id", "order-42"), "same".getBytes())));
      }
      Set<String> ids = ConcurrentHashMap.newKeySet();
      int fresh = 0;
      int duplicates = 0;
      for (var f : all) {
        HttpResponse<byte[]> r = f.get(30, TimeUnit.SECONDS);
        JsonObject body = json(r);
        ids.add(body.getString("messageId"));
        if (r.statusCode() == 202) {
          assertEquals(Boolean.TRUE, body.getBoolean("deduplicated"));
          duplicates++;
        } else {
          assertEquals(200, r.statusCode());
          fresh++;
        }
      }
      assertEquals(1, ids.size(), "every answer carries the original id");
      assertEquals(1, fresh);
      assertEquals(99, duplicates);
    } finally {
      pool.shutdown();
    }
    sink.await(1, 10_000);
    Thread.sleep(500);
    assertEquals(1, sink.received().size(), "exactly one delivery");
  }

  @Test
  void dedupIsPerDestinationAndContentBasedDedupHashesTheContent() {
    String a = sink.url("/a");
    String b = sink.url("/b");
    String first = node.publish(a, Map.of("Upstash-Deduplication-Id", "x"), "1".getBytes()).getString("messageId");
    assertEquals(first, node.publish(a, Map.of("Upstash-Deduplication-Id", "x"), "2".getBytes()).getString("messageId"));
    String other = node.publish(b, Map.of("Upstash-Deduplication-Id", "x"), "1".getBytes()).getString("messageId");
    assertTrue(!other.equals(first), "another destination is another scope");

    var cb = Map.of("Upstash-Content-Based-Deduplication", "true", "Content-Type", "text/plain");
    JsonObject c1 = node.publish(a, cb, "body".getBytes());
    JsonObject c2 = node.publish(a, cb, "body".getBytes());
    JsonObject c3 = node.publish(a, cb, "other body".getBytes());
    assertEquals(c1.getString("messageId"), c2.getString("messageId"));
    assertEquals(Boolean.TRUE, c2.getBoolean("deduplicated"));
    assertTrue(!c3.getString("messageId").equals(c1.getString("messageId")));
  }

  @Test
  void getShowsAPendingMessageAndCancelRemovesIt() {
    String url = sink.url("/later?q=1");
    String id = node.publish(url, Map.of("Upstash-Delay", "1h", "Content-Type", "application/json",
        "Upstash-Forward-Test-Header", "value-uppercase, value-lowercase", "Upstash-Label", "a,b",
        "Upstash-Retry-Delay", "pow(2, retried) * 1000"), "{\"a\":1}".getBytes()).getString("messageId");
    JsonObject m = node.getJson("/v2/messages/" + id);
    assertEquals(id, m.getString("messageId"));
    assertEquals(url, m.getString("url"));
    assertEquals("POST", m.getString("method"));
    assertEquals("{\"a\":1}", m.getString("body"));
    assertEquals(new JsonObject().put("Content-Type", List.of("application/json"))
        .put("Test-Header", List.of("value-uppercase, value-lowercase")), m.getJsonObject("header"));
    assertEquals(3, m.getInteger("maxRetries"));
    assertEquals("pow(2, retried) * 1000", m.getString("retryDelayExpression"));
    assertEquals("a", m.getString("label"));
    assertEquals(List.of("a", "b"), m.getJsonArray("labels").getList());
    assertTrue(m.getLong("notBefore") >= m.getLong("createdAt") + 3_600_000 - 1);
    assertEquals("127.0.0.1", m.getString("callerIp"));
    assertEquals("127.0.0.1", m.getString("callerIP"));
    assertTrue(!m.containsKey("bodyBase64") && !m.containsKey("topicName") && !m.containsKey("queueName"),
        "absent optional fields are omitted: " + m);

    HttpResponse<byte[]> cancel = node.send("DELETE", "/v2/messages/" + id, Map.of(), null);
    assertEquals(200, cancel.statusCode());
    assertEquals(new JsonObject().put("cancelled", 1), json(cancel));
    assertEquals(404, node.send("GET", "/v2/messages/" + id, Map.of(), null).statusCode());
    HttpResponse<byte[]> again = node.send("DELETE", "/v2/messages/" + id, Map.of(), null);
    assertEquals(404, again.statusCode());
    assertNotNull(json(again).getString("error"));
    assertEquals(0, node.storedKeys(), "a cancelled message leaves nothing behind");
  }

  @Test
  void bulkCancelByIdsByFilterAndAll() {
    Map<String, String> later = Map.of("Upstash-Delay", "1h");
    String m1 = node.publish(sink.url("/1"), later, null).getString("messageId");
    String m2 = node.publish(sink.url("/2"), later, null).getString("messageId");
    node.publish(sink.url("/3"), Map.of("Upstash-Delay", "1h", "Upstash-Label", "blue"), null);
    node.publish(sink.url("/4"), Map.of("Upstash-Delay", "1h", "Upstash-Label", "blue,green"), null);
    node.publish(sink.url("/5"), later, null);
    node.publish(sink.url("/6"), later, null);

    var byIds = node.send("DELETE", "/v2/messages?messageIds=" + m1 + "&messageIds=" + m2 + "&messageIds=msg_unknown",
        Map.of(), null);
    assertEquals(new JsonObject().put("cancelled", 2), json(byIds));
    var byLabel = node.send("DELETE", "/v2/messages?label=blue&count=100", Map.of(), null);
    assertEquals(new JsonObject().put("cancelled", 2), json(byLabel));
    var limited = node.send("DELETE", "/v2/messages?count=1", Map.of(), null);
    assertEquals(new JsonObject().put("cancelled", 1), json(limited), "an explicit count below 100 is honoured");
    var unknownFilter = node.send("DELETE", "/v2/messages?labeel=x", Map.of(), null);
    assertEquals(400, unknownFilter.statusCode());
    var all = node.send("DELETE", "/v2/messages", Map.of(), null);
    assertEquals(new JsonObject().put("cancelled", 1), json(all));
    assertEquals(0, node.storedKeys());
  }

  /**
   * Requests that name ids, however badly, never cancel everything: each of these once answered
   * {"cancelled":3} and emptied the node.
   */
  @Test
  void aBulkCancelThatNamesIdsNeverCancelsEverything() {
    Map<String, String> later = Map.of("Upstash-Delay", "1h");
    String m1 = node.publish(sink.url("/1"), later, null).getString("messageId");
    String m2 = node.publish(sink.url("/2"), later, null).getString("messageId");
    String m3 = node.publish(sink.url("/3"), later, null).getString("messageId");

    var single = node.send("DELETE", "/v2/messages?messageId=" + m1, Map.of(), null);
    assertEquals(new JsonObject().put("cancelled", 1), json(single), "messageId names one message");
    for (String body : List.of("{\"messageIds\":[]}", "{\"messageIds\":null}", "{\"messageId\":\"msg_x\"}",
        "{\"dlqIds\":[\"x\"]}")) {
      var r = node.send("DELETE", "/v2/messages", Map.of("Content-Type", "application/json"), body.getBytes());
      assertEquals(400, r.statusCode(), body);
      assertNotNull(json(r).getString("error"), body);
    }
    var listed = node.send("DELETE", "/v2/messages", Map.of("Content-Type", "application/json"),
        "{\"messageIds\":[\"msg_unknown\"]}".getBytes());
    assertEquals(new JsonObject().put("cancelled", 0), json(listed), "ids that match nothing cancel nothing");
    var emptyId = node.send("DELETE", "/v2/messages/", Map.of(), null);
    assertEquals(400, emptyId.statusCode(), "the single cancel with an empty id");
    StringBuilder many = new StringBuilder("/v2/messages?messageIds=a");
    for (int i = 0; i < 1000; i++) {
      many.append("&messageIds=a");
    }
    var tooMany = node.send("DELETE", many.toString(), Map.of(), null);
    assertEquals(400, tooMany.statusCode(), "more than 1000 ids");
    for (String id : List.of(m2, m3)) {
      assertEquals(200, node.send("GET", "/v2/messages/" + id, Map.of(), null).statusCode(), "still pending");
    }
  }

  /** A negative offset once listed the oldest dead letters (ZRANGE counts it from the end). */
  @Test
  void dlqCursorsMustBeWellFormed() {
    for (String cursor : List.of("0--2", "-1-0", "abc", "0-", "0-1.5", "0-0", "0-5--1", "0-5-x", "0-1-2-3-4",
        "0-1-2-")) {
      var r = node.send("GET", "/v2/dlq?cursor=" + cursor, Map.of(), null);
      assertEquals(400, r.statusCode(), cursor);
      assertEquals("invalid cursor", json(r).getString("error"), cursor);
    }
    assertEquals(200, node.send("GET", "/v2/dlq?cursor=0-0-1-2", Map.of(), null).statusCode());
    assertEquals(200, node.send("GET", "/v2/dlq?cursor=0-" + Long.MAX_VALUE + "-", Map.of(), null).statusCode());
  }

  @Test
  void missingOrWrongTokenIs401() {
    var none = node.send("POST", "/v2/publish/" + sink.url("/x"), Map.of(), "x".getBytes(), false);
    assertEquals(401, none.statusCode());
    assertNotNull(json(none).getString("error"));
    var wrong = node.send("GET", "/v2/keys", Map.of("Authorization", "Bearer nope"), null, false);
    assertEquals(401, wrong.statusCode());
    assertEquals("application/json", wrong.headers().firstValue("Content-Type").orElse(""));
    var query = node.send("GET", "/v2/keys?qstash_token=" + TestNode.TOKEN, Map.of(), null, false);
    assertEquals(200, query.statusCode(), "webhook mode: the token as a query parameter");
    assertEquals(0, node.storedKeys());
  }

  @Test
  void badInputGetsAClear4xxAndStoresNothing() throws Exception {
    String ok = sink.url("/ok");
    record Case(String destination, Map<String, String> headers, byte[] body, int status) {}
    Map<String, String> huge = new HashMap<>();
    huge.put("Upstash-Forward-Big", "x".repeat(5000));
    List<Case> cases = List.of(
        new Case("ftp://example.com/x", Map.of(), null, 400),
        new Case("https://", Map.of(), null, 400),
        new Case("http://exa mple.com/", Map.of(), null, 400),
        new Case("unknown-group", Map.of(), null, 404),
        new Case(ok, Map.of(), new byte[4096], 413),
        new Case(ok, Map.of("Upstash-Delay", "soon"), null, 400),
        new Case(ok, Map.of("Upstash-Delay", "30d"), null, 400),
        new Case(ok, Map.of("Upstash-Not-Before", "tomorrow"), null, 400),
        new Case(ok, Map.of("Upstash-Timeout", "-1s"), null, 400),
        new Case(ok, Map.of("Upstash-Timeout", "0"), null, 400),
        new Case(ok, Map.of("Upstash-Retries", "many"), null, 400),
        new Case(ok, Map.of("Upstash-Retries", "99"), null, 400),
        new Case(ok, Map.of("Upstash-Retries", "-1"), null, 400),
        new Case(ok, Map.of("Upstash-Retry-Delay", "pow(2, retried"), null, 400),
        new Case(ok, Map.of("Upstash-Retry-Delay", "exec('rm')"), null, 400),
        new Case(ok, Map.of("Upstash-Method", "TRACE"), null, 400),
        new Case(ok, huge, null, 431));
    for (Case c : cases) {
      HttpResponse<byte[]> r = node.send("POST", "/v2/publish/" + c.destination().replace(" ", "%20"), c.headers(),
          c.body());
      assertEquals(c.status(), r.statusCode(), c + " → " + new String(r.body()));
      assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""), c.toString());
      assertNotNull(json(r).getString("error"), c.toString());
      assertTrue(!new String(r.body()).contains(TestNode.TOKEN));
    }
    assertEquals(0, node.storedKeys(), "nothing stored");
    assertEquals(404, node.send("GET", "/v2/nope", Map.of(), null).statusCode());
    // the node is unharmed
    node.publish(ok, Map.of(), "fine".getBytes());
    assertEquals("fine", new String(sink.await(1, 10_000).get(0).body()));
  }

  /**
   * A stray % in a query string is the client's error on every route: 400 in the JSON error shape, never
   * a 503 or an unanswered publish, and nothing of the request (a destination's credentials, a token in
   * the query) in the log. Vert.x decodes a query string whole and throws on a bad escape, quoting the URI.
   */
  @Test
  void malformedQueryStringsGet400AndNothingOfTheRequestIsLogged() throws Exception {
    String secret = "pw-" + java.util.UUID.randomUUID();
    String destination = sink.url("/q").replace("http://", "http://user:" + secret + "@");
    String query = "malformed query string";
    record Case(String method, String path, boolean authorize, String error) {}
    List<Case> cases = List.of(
        new Case("POST", "/v2/publish/" + destination + "?qstash_token=%zz", false, query),
        // With the token in a header, the query is the destination's own (qstash-api.md §4).
        new Case("POST", "/v2/publish/" + destination + "?x=%zz", true, "invalid destination url"),
        new Case("GET", "/v2/keys?qstash_token=" + secret + "%zz", false, query),
        new Case("GET", "/v2/dlq?cursor=%%" + secret, true, query),
        new Case("DELETE", "/v2/messages?messageIds=%zz" + secret, true, query),
        // Routes with a path parameter decode the query while matching, before any handler runs.
        new Case("GET", "/v2/messages/x?qstash_token=" + secret + "&a=%", true, query),
        new Case("GET", "/v2/dlq/x?qstash_token=" + secret + "&a=%zz", false, query),
        new Case("GET", "/v2/messages/%zz" + secret, true, "malformed path"),
        new Case("DELETE", "/v2/dlq/%", false, "malformed path"));
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(logged, true, StandardCharsets.UTF_8));
    try {
      for (Case c : cases) {
        // As sent, byte for byte: the JDK's client refuses to send a malformed URI.
        String answer = raw(c.method() + " " + c.path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + (c.authorize() ? "Authorization: Bearer " + TestNode.TOKEN + "\r\n" : "")
            + "Content-Length: 1\r\n\r\nx");
        assertTrue(answer.startsWith("HTTP/1.1 400 "), c + " → " + answer);
        assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"),
            c + " → " + answer);
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertTrue(new JsonObject(body).getString("error").startsWith(c.error()), c + " → " + answer);
      }
    } finally {
      System.setErr(err);
    }
    String log = logged.toString(StandardCharsets.UTF_8);
    assertFalse(log.contains(secret), "request data logged: " + log);
    assertFalse(log.contains("%zz"), "request data logged: " + log);
    assertEquals(0, node.storedKeys(), "nothing stored");
  }

  /**
   * Bodies a node holds at once are bounded (limits.max-body-bytes-in-flight): a publish, or any other
   * request with a body, past the budget gets 503 with Retry-After before its body is read, and the bytes
   * of a request come back when its client goes away in the middle of the body.
   */
  @Test
  void requestBodiesInFlightAreBoundedAndReleasedWhenTheClientLeaves() throws Exception {
    try (TestNode small = TestNode.start(vertx, Map.of("COURIER_LIMITS_MAX_BODY_SIZE", "2048",
        "COURIER_LIMITS_MAX_BODY_BYTES_IN_FLIGHT", "3000"))) {
      String path = "/v2/publish/" + sink.url("/budget");
      java.net.Socket held = new java.net.Socket("127.0.0.1", small.courier().port());
      try {
        // Headers and the first bytes of a 2000-byte body, the rest never sent: 2000 bytes reserved.
        held.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + TestNode.TOKEN + "\r\nContent-Length: 2000\r\n\r\n" + "x".repeat(10))
            .getBytes(StandardCharsets.ISO_8859_1));
        // Its reservation first: a publish sent before the held head is read would take the budget and get the
        // held request refused instead.
        Sink.waitFor(() -> small.courier().bodies().used() >= 2000, 20_000, "the held request was not reserved");
        HttpResponse<byte[]> full = small.send("POST", path, Map.of(), new byte[2000]);
        assertEquals(503, full.statusCode(), new String(full.body()));
        assertEquals("1", full.headers().firstValue("Retry-After").orElse(""));
        assertTrue(json(full).getString("error").startsWith("too many request bodies in flight"));
        // Behind the router as well, before its BodyHandler buffers anything.
        assertEquals(503, small.send("DELETE", "/v2/messages", Map.of("Content-Type", "application/json"),
            new byte[2000]).statusCode());
        // What still fits goes through: 2000 + 500, and the headers of both, stay under 3000.
        assertEquals(200, small.send("POST", path, Map.of(), new byte[500]).statusCode());
      } finally {
        held.close(); // the client leaves in the middle of its body
      }
      int status = 0;
      long deadline = System.currentTimeMillis() + 5_000;
      while (System.currentTimeMillis() < deadline && status != 200) {
        status = small.send("POST", path, Map.of(), new byte[2000]).statusCode();
        Thread.sleep(status == 200 ? 0 : 50);
      }
      assertEquals(200, status, "the held body's bytes came back when its connection closed");
      // A body behind the router (the SDK's legacy bulk cancel) is reserved and released as well.
      var cancelled = small.send("DELETE", "/v2/messages", Map.of("Content-Type", "application/json"),
          "{\"messageIds\":[\"msg_none\"]}".getBytes(StandardCharsets.UTF_8));
      assertEquals(200, cancelled.statusCode(), new String(cancelled.body()));
      Sink.waitFor(() -> small.courier().bodies().used() == 0, 5_000, "a reservation was not released");

      // Headers count while the body is awaited: one slow byte of body must not hold 2500 bytes of
      // headers for free.
      try (java.net.Socket slow = new java.net.Socket("127.0.0.1", small.courier().port())) {
        slow.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + TestNode.TOKEN + "\r\nX-Pad: " + "p".repeat(2500) + "\r\nContent-Length: 1\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        Sink.waitFor(() -> small.courier().bodies().used() > 2500, 20_000, "the slow request was not reserved");
        assertEquals(503, small.send("POST", path, Map.of(), new byte[500]).statusCode(),
            "a 500-byte publish fits beside a 1-byte body, not beside its headers");
      }
    }
  }

  /**
   * What the HTTP parser itself rejects gets the JSON error shape too, with the status Vert.x would
   * give, and the connection closed (what follows cannot be framed); the node is unharmed.
   */
  @Test
  void unparseableRequestsGetTheJsonErrorShape() throws Exception {
    String auth = "Authorization: Bearer " + TestNode.TOKEN + "\r\n";
    record Case(String request, int status, String error) {}
    List<Case> cases = List.of(
        new Case("POST /v2/publish/" + sink.url("/p") + " HTTP/1.1\r\nHost: x\r\n" + auth
            + "Content-Length: abc\r\n\r\n", 400, "malformed HTTP request"),
        new Case("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(70_000) + "\r\n\r\n", 431,
            "request headers too large"),
        new Case("GET /v2/messages/" + "a".repeat(70_000) + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 414,
            "request line too long"),
        // Vert.x Web's own verdict (HTTP/1.1 requires Host): a 400, not a 503 asking to retry, and no log.
        new Case("GET /v2/keys HTTP/1.1\r\n" + auth + "Connection: close\r\n\r\n", 400, "bad request"),
        new Case("GET /v2/keys HTTP/1.1\r\nHost: a b\r\n" + auth + "Connection: close\r\n\r\n", 400,
            "bad request"));
    for (Case c : cases) {
      String answer = raw(c.request());
      // HTTP/1.0 when the request line itself could not be read.
      assertTrue(answer.matches("(?s)HTTP/1\\.[01] " + c.status() + " .*"), answer);
      String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
      assertEquals(c.error(), new JsonObject(body).getString("error"), answer);
    }
    node.publish(sink.url("/after"), Map.of(), "fine".getBytes());
    assertEquals("fine", new String(sink.await(1, 10_000).get(0).body()));
  }

  /** One request over its own connection; the whole answer, read until the server closes (5 s at most). */
  private String raw(String request) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.courier().port())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * The publish front door reads the body itself (no router, no BodyHandler): the limit holds for a
   * chunked body too, curl's Expect: 100-continue is answered, and a rejected request leaves its
   * keep-alive connection usable for the next one.
   */
  @Test
  void frontDoorEnforcesTheBodyLimitAndKeepsTheConnectionUsable() throws Exception {
    // One raw connection for every step, so that "usable" means the same connection: a client library with
    // a pool would quietly open another (and the Vert.x client now and then lost an answer that came before
    // its body was out, a hang in this test).
    String path = "/v2/publish/" + sink.url("/front");
    String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    String auth = "Authorization: Bearer " + TestNode.TOKEN + "\r\n";
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.courier().port())) {
      socket.setSoTimeout(10_000);
      var out = socket.getOutputStream();
      var in = new java.io.BufferedInputStream(socket.getInputStream());
      // 1. no token, with a body: 401, the body is dropped
      out.write((head + "Content-Length: 1000\r\n\r\n" + "x".repeat(1000)).getBytes(StandardCharsets.ISO_8859_1));
      assertEquals(401, readAnswer(in).status());
      // 2. Content-Length over the limit: 413 before the body is read (and the body dropped)
      out.write((head + auth + "Content-Length: 3000\r\n\r\n" + "y".repeat(3000))
          .getBytes(StandardCharsets.ISO_8859_1));
      Answer declared = readAnswer(in);
      assertEquals(413, declared.status());
      assertTrue(declared.body().contains("error"), declared.body());
      // 3. chunked, no Content-Length, past the limit: 413 once the limit is crossed
      String half = "z".repeat(1500);
      out.write((head + auth + "Transfer-Encoding: chunked\r\n\r\n" + "5dc\r\n" + half + "\r\n" + "5dc\r\n" + half
          + "\r\n0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      assertEquals(413, readAnswer(in).status());
      // 4. Expect: 100-continue, then a body within the limit: stored and delivered
      out.write((head + auth + "Expect: 100-continue\r\nContent-Length: 9\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      assertEquals(100, readAnswer(in).status());
      out.write("continued".getBytes(StandardCharsets.ISO_8859_1));
      Answer expect = readAnswer(in);
      assertEquals(200, expect.status(), expect.body());
      // 5. a chunked body within the limit: accepted whole
      out.write((head + auth + "Transfer-Encoding: chunked\r\n\r\n5\r\nchunk\r\n5\r\ned-ok\r\n0\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      Answer small = readAnswer(in);
      assertEquals(200, small.status(), small.body());
    }
    Set<String> bodies = ConcurrentHashMap.newKeySet();
    sink.await(2, 10_000).forEach(r -> bodies.add(new String(r.body(), StandardCharsets.UTF_8)));
    assertEquals(Set.of("continued", "chunked-ok"), bodies);
  }

  /** One answer off a kept-alive connection: status line, headers, and a Content-Length body (none for 100). */
  private static Answer readAnswer(java.io.InputStream in) throws java.io.IOException {
    StringBuilder headers = new StringBuilder();
    while (!headers.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new java.io.EOFException("connection closed; read so far: " + headers);
      }
      headers.append((char) c);
    }
    String text = headers.toString();
    int status = Integer.parseInt(text.substring(9, 12));
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return new Answer(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
  }

  private record Answer(int status, String body) {}

}
