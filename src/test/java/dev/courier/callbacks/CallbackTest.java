package dev.courier.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.ChildNode;
import dev.courier.support.Sink;
import dev.courier.support.Sink.Received;
import dev.courier.support.Sink.Reply;
import dev.courier.support.TestNode;
import dev.courier.support.TestReceiver;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Callbacks and failure callbacks (issue #17) on real nodes, a real Redis and a real sink. */
class CallbackTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private Vertx vertx;
  private TestNode node;
  private Sink sink;
  private Process child;
  private final TestReceiver receiver = new TestReceiver(TestNode.CURRENT_KEY, TestNode.NEXT_KEY);

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    sink = Sink.start(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    if (child != null) {
      child.destroyForcibly();
    }
    if (node != null) {
      node.close();
    }
    sink.close();
    TestNode.get(vertx.close());
  }

  private String publish(String path, Map<String, String> headers, String body) {
    HttpResponse<byte[]> r = node.send("POST", "/v2/publish/" + sink.url(path), headers,
        body.getBytes(StandardCharsets.UTF_8));
    assertEquals(200, r.statusCode(), new String(r.body()));
    return new JsonObject(Buffer.buffer(r.body())).getString("messageId");
  }

  private List<Received> at(String path) {
    return sink.received().stream().filter(d -> d.uri().equals(path)).toList();
  }

  /** A callback's body, its signature verified against the callback URL. */
  private JsonObject callbackBody(Received d, String path) {
    receiver.verify(d.header("Upstash-Signature"), d.body(), sink.url(path));
    assertEquals("application/json", d.header("Content-Type"));
    return new JsonObject(Buffer.buffer(d.body()));
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aSuccessFiresTheCallbackFieldByFieldAndNoFailureCallback() throws Exception {
    node = TestNode.start(vertx);
    sink.respond(r -> r.uri().equals("/ok") ? new Reply(200, Map.of("X-R", "1"), "hello", 0) : Reply.ok());
    String id = publish("/ok", Map.of("Content-Type", "text/plain", "Upstash-Forward-X-Source", "s1",
        "Upstash-Callback", sink.url("/cb"), "Upstash-Failure-Callback", sink.url("/fcb"),
        "Upstash-Callback-Forward-X-Cb-Token", "tok", "Upstash-Delay", "1s"), "payload");
    JsonObject m = node.getJson("/v2/messages/" + id);
    assertEquals(sink.url("/cb"), m.getString("callback"));
    assertEquals(sink.url("/fcb"), m.getString("failureCallback"));
    Sink.waitFor(() -> at("/cb").size() == 1, 10_000, "the callback");
    Received d = at("/cb").get(0);
    assertEquals("POST", d.method());
    assertEquals("tok", d.header("X-Cb-Token"), "Upstash-Callback-Forward-*");
    assertTrue(!id.equals(d.header("Upstash-Message-Id")), "a message of its own");
    JsonObject body = callbackBody(d, "/cb");
    assertEquals(200, body.getInteger("status"));
    assertEquals(List.of("1"), body.getJsonObject("header").getJsonArray("X-R").getList());
    assertEquals(b64("hello"), body.getString("body"));
    assertEquals(0, body.getInteger("retried"));
    assertEquals(3, body.getInteger("maxRetries"));
    assertEquals(id, body.getString("sourceMessageId"));
    assertEquals(sink.url("/ok"), body.getString("url"));
    assertEquals("POST", body.getString("method"));
    assertEquals(new JsonObject().put("Content-Type", List.of("text/plain")).put("X-Source", List.of("s1")),
        body.getJsonObject("sourceHeader"));
    assertEquals(b64("payload"), body.getString("sourceBody"));
    assertEquals(m.getLong("createdAt"), body.getLong("createdAt"));
    assertEquals(m.getLong("notBefore"), body.getLong("notBefore"));
    assertEquals("127.0.0.1", body.getString("callerIP"));
    assertTrue(!body.containsKey("dlqId"));
    Sink.waitFor(() -> node.storedKeys() == 0, 10_000, "everything done, the callback included");
    assertEquals(0, at("/fcb").size(), "no failure callback for a success");
    assertEquals(1, at("/cb").size(), "a callback fires no callback of its own");
  }

  @Test
  void everyAttemptFiresTheCallbackAndTheFinalFailureTheFailureCallback() throws Exception {
    node = TestNode.start(vertx);
    AtomicInteger okAttempts = new AtomicInteger();
    sink.respond(r -> switch (r.uri()) {
      case "/flaky" -> okAttempts.incrementAndGet() == 1 ? new Reply(500, Map.of(), "nope", 0) : Reply.ok();
      case "/down" -> new Reply(502, Map.of(), "down", 0);
      default -> Reply.ok();
    });
    Map<String, String> h = Map.of("Upstash-Retries", "2", "Upstash-Retry-Delay", "50",
        "Upstash-Callback", sink.url("/cb"), "Upstash-Failure-Callback", sink.url("/fcb"));
    String flaky = publish("/flaky", h, "f");
    Sink.waitFor(() -> at("/cb").size() == 2, 10_000, "a callback per attempt of the retried success");
    List<JsonObject> bodies = at("/cb").stream().map(d -> callbackBody(d, "/cb"))
        .sorted((x, y) -> Integer.compare(x.getInteger("retried"), y.getInteger("retried"))).toList();
    assertEquals(List.of(500, 200), bodies.stream().map(b -> b.getInteger("status")).toList());
    assertEquals(List.of(0, 1), bodies.stream().map(b -> b.getInteger("retried")).toList());
    assertEquals(b64("nope"), bodies.get(0).getString("body"));
    bodies.forEach(b -> assertEquals(flaky, b.getString("sourceMessageId")));

    String down = publish("/down", h, "d");
    Sink.waitFor(() -> at("/fcb").size() == 1 && at("/cb").size() == 5, 10_000, "three callbacks and a failure callback");
    JsonObject failure = callbackBody(at("/fcb").get(0), "/fcb");
    assertEquals(down, failure.getString("sourceMessageId"));
    assertEquals(502, failure.getInteger("status"));
    assertEquals(2, failure.getInteger("retried"));
    assertEquals(2, failure.getInteger("maxRetries"), "retried == maxRetries: the last attempt");
    JsonObject dead = node.deadLetters().getJsonObject(0);
    assertEquals(dead.getString("dlqId"), failure.getString("dlqId"));
    assertEquals(sink.url("/fcb"), dead.getString("failureCallback"));
    Sink.waitFor(() -> node.storedKeys() == 2, 10_000, "only the dead letter is left (its hash and the DLQ set)");
    assertEquals(1, at("/fcb").size());
  }

  @Test
  void aCallbackRetriesAndEndsInTheDlqAsACallback() throws Exception {
    node = TestNode.start(vertx);
    sink.respond(r -> r.uri().equals("/cb") ? Reply.status(500) : Reply.ok());
    String id = publish("/ok", Map.of("Upstash-Callback", sink.url("/cb"), "Upstash-Callback-Retries", "1",
        "Upstash-Callback-Retry-Delay", "50", "Upstash-Callback-Method", "PUT"), "x");
    Sink.waitFor(() -> node.deadLetters().size() == 1, 10_000, "the failed callback dead-lettered");
    assertEquals(2, at("/cb").size(), "its own retries: 1");
    assertEquals("PUT", at("/cb").get(0).method());
    JsonObject dead = node.deadLetters().getJsonObject(0);
    assertEquals("callback", dead.getString("callbackType"));
    assertEquals(id, dead.getString("sourceMessageId"));
    assertEquals(sink.url("/cb"), dead.getString("url"));
    assertEquals(500, dead.getInteger("responseStatus"));
    assertTrue(!dead.containsKey("callback"), "a callback has no callback");
  }

  @Test
  void aParallelismOneQueueStartsTheNextMessageAfterTheCallback() throws Exception {
    node = TestNode.start(vertx);
    Map<String, Long> answered = new ConcurrentHashMap<>();
    sink.respond(r -> {
      if (r.uri().startsWith("/cb")) {
        answered.put(r.uri(), r.at() + 200);
        return new Reply(200, Map.of(), "", 200); // the callback takes 200 ms
      }
      return Reply.ok();
    });
    for (int i = 0; i < 3; i++) {
      HttpResponse<byte[]> r = node.send("POST", "/v2/enqueue/fifo-cb/" + sink.url("/m" + i),
          Map.of("Upstash-Callback", sink.url("/cb" + i)), "x".getBytes());
      assertEquals(200, r.statusCode(), new String(r.body()));
    }
    Sink.waitFor(() -> at("/cb2").size() == 1, 15_000, "the last callback");
    for (int i = 1; i < 3; i++) {
      long next = at("/m" + i).get(0).at();
      long callbackDone = answered.get("/cb" + (i - 1));
      assertTrue(next >= callbackDone, "message " + i + " started " + (callbackDone - next)
          + " ms before the callback of message " + (i - 1) + " was answered");
    }
    assertEquals(1, sink.peakOpen(), "one request at a time: a message or its callback");
  }

  @Test
  void aNodeKilledBetweenTheOutcomeAndTheCallbackLosesNoCallbackAndFiresItOnce() throws Exception {
    String prefix = "cb" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> env = new HashMap<>(TestNode.env(TestRedis.url(), prefix));
    env.put("COURIER_DELIVERY_LEASE_GRACE", "1s");
    child = ChildNode.start(env);
    String base = ChildNode.awaitListening(child);
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v2/publish/" + sink.url("/src")))
        .header("Authorization", "Bearer " + TestNode.TOKEN).header("Upstash-Callback", sink.url("/cb"))
        .header("Upstash-Callback-Delay", "2s").POST(HttpRequest.BodyPublishers.ofString("s")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    String id = new JsonObject(r.body()).getString("messageId");
    Sink.waitFor(() -> status(base, id) == 404, 10_000, "the outcome written (the message gone)");
    child.destroyForcibly().waitFor(); // kill -9, with the callback stored and due in 2 s
    assertEquals(0, at("/cb").size());

    node = TestNode.start(vertx, Map.of("COURIER_REDIS_KEY_PREFIX", prefix));
    Sink.waitFor(() -> at("/cb").size() == 1, 15_000, "the callback, from the surviving node");
    Sink.waitFor(() -> node.storedKeys() == 0, 10_000, "nothing left to deliver");
    assertEquals(1, at("/cb").size(), "once");
    assertEquals(id, callbackBody(at("/cb").get(0), "/cb").getString("sourceMessageId"));
  }

  private static int status(String base, String id) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v2/messages/" + id))
          .header("Authorization", "Bearer " + TestNode.TOKEN).GET().build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
