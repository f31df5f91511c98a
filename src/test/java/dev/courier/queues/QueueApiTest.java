package dev.courier.queues;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.Sink.Reply;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FIFO queues through the HTTP API on one node, a real Redis and a real sink (issue #15), with one shard and
 * with four (a queue lives whole in the shard of its name).
 */
class QueueApiTest {
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

  private void start(int shards, Map<String, String> env) throws Exception {
    var all = new HashMap<>(env);
    all.put("COURIER_REDIS_SHARDS", Integer.toString(shards));
    node = TestNode.start(vertx, all);
    sink = Sink.start(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (sink != null) {
      sink.close();
    }
  }

  private HttpResponse<byte[]> post(String path, String json) {
    return node.send("POST", path, json == null ? Map.of() : Map.of("Content-Type", "application/json"),
        json == null ? null : json.getBytes(StandardCharsets.UTF_8));
  }

  private String enqueue(String queue, String path, Map<String, String> headers) {
    HttpResponse<byte[]> r = node.send("POST", "/v2/enqueue/" + queue + "/" + sink.url(path), headers,
        path.getBytes(StandardCharsets.UTF_8));
    assertEquals(200, r.statusCode(), new String(r.body()));
    return new JsonObject(Buffer.buffer(r.body())).getString("messageId");
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void queuesAreCreatedListedChangedAndDeleted(int shards) throws Exception {
    start(shards, Map.of());
    assertEquals(200, post("/v2/queues", "{\"queueName\":\"orders\",\"parallelism\":3}").statusCode());
    JsonObject q = node.getJson("/v2/queues/orders");
    assertEquals("orders", q.getString("name"));
    assertEquals(3, q.getInteger("parallelism"));
    assertEquals(false, q.getBoolean("paused"));
    assertEquals(0L, q.getLong("lag"));
    assertTrue(q.getLong("createdAt") > 0 && q.getLong("updatedAt") >= q.getLong("createdAt"));

    assertEquals(200, post("/v2/queues", "{\"queueName\":\"orders\",\"paused\":true}").statusCode());
    q = node.getJson("/v2/queues/orders");
    assertEquals(3, q.getInteger("parallelism"), "an upsert without parallelism keeps it");
    assertEquals(true, q.getBoolean("paused"));
    assertEquals(200, post("/v2/queues/orders/resume", null).statusCode());
    assertEquals(false, node.getJson("/v2/queues/orders").getBoolean("paused"));
    assertEquals(200, post("/v2/queues/orders/pause", null).statusCode());
    assertEquals(200, post("/v2/queues/orders/pause", null).statusCode(), "pausing twice changes nothing");
    assertEquals(true, node.getJson("/v2/queues/orders").getBoolean("paused"));

    post("/v2/queues", "{\"queueName\":\"a.b-c_d\"}");
    HttpResponse<byte[]> list = node.send("GET", "/v2/queues", Map.of(), null);
    JsonArray all = new JsonArray(Buffer.buffer(list.body()));
    assertEquals(List.of("a.b-c_d", "orders"), all.stream().map(o -> ((JsonObject) o).getString("name")).toList());
    assertEquals(1, ((JsonObject) all.getValue(0)).getInteger("parallelism"), "a new queue has parallelism 1");

    assertEquals(200, node.send("DELETE", "/v2/queues/orders", Map.of(), null).statusCode());
    assertEquals(404, node.send("GET", "/v2/queues/orders", Map.of(), null).statusCode());
    assertEquals(404, node.send("DELETE", "/v2/queues/orders", Map.of(), null).statusCode());
    assertEquals(404, post("/v2/queues/orders/pause", null).statusCode());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void badInputGetsAClear4xxAndStoresNothing(int shards) throws Exception {
    start(shards, Map.of("COURIER_QUEUES_MAX_PARALLELISM", "10", "COURIER_QUEUES_MAX_QUEUES", "2"));
    record Case(String method, String path, String body, int status, String says) {}
    List<Case> cases = List.of(
        new Case("POST", "/v2/queues", "{\"queueName\":\"bad name\"}", 400, "invalid queue name"),
        new Case("POST", "/v2/queues", "{\"queueName\":\"x/y\"}", 400, "invalid queue name"),
        new Case("POST", "/v2/queues", "{\"parallelism\":2}", 400, "queueName is required"),
        new Case("POST", "/v2/queues", "{\"queueName\":\"q\",\"parallelism\":0}", 400, "invalid parallelism"),
        new Case("POST", "/v2/queues", "{\"queueName\":\"q\",\"parallelism\":1.5}", 400, "invalid parallelism"),
        new Case("POST", "/v2/queues", "{\"queueName\":\"q\",\"parallelism\":\"2\"}", 400, "invalid parallelism"),
        new Case("POST", "/v2/queues", "{\"queueName\":\"q\",\"parallelism\":11}", 412, "queues.max-parallelism"),
        new Case("POST", "/v2/queues", "{\"queueName\":\"q\",\"paused\":\"yes\"}", 400, "invalid paused"),
        new Case("POST", "/v2/queues", "{\"queueName\":\"q\",\"parallism\":2}", 400, "unknown field 'parallism'"),
        new Case("POST", "/v2/queues", "[1]", 400, "not a JSON object"),
        new Case("POST", "/v2/queues", "", 400, "a JSON object is required"),
        new Case("GET", "/v2/queues/nope", null, 404, "queue nope not found"),
        new Case("GET", "/v2/queues/b%20d", null, 400, "invalid queue name"),
        new Case("POST", "/v2/enqueue/bad%20q/" + "https://example.com/x", "b", 400, "invalid queue name"),
        new Case("POST", "/v2/enqueue/q/ftp://example.com/x", "b", 400, "invalid destination url"),
        new Case("POST", "/v2/enqueue/q/", "b", 400, ""),
        new Case("POST", "/v2/enqueue/q", "b", 400, ""));
    for (Case c : cases) {
      HttpResponse<byte[]> r = node.send(c.method(), c.path(), Map.of(),
          c.body() == null ? null : c.body().getBytes(StandardCharsets.UTF_8));
      assertEquals(c.status(), r.statusCode(), c + " answered " + text(r));
      JsonObject error = new JsonObject(Buffer.buffer(r.body()));
      assertTrue(error.getString("error").contains(c.says()), c + " answered " + text(r));
    }
    assertEquals(0, node.storedKeys(), "nothing stored for any of them");

    // The number of queues is bounded: creating, or enqueueing to, one more is 412.
    assertEquals(200, post("/v2/queues", "{\"queueName\":\"one\"}").statusCode());
    enqueue("two", "/x", Map.of("Upstash-Delay", "1h"));
    HttpResponse<byte[]> third = post("/v2/queues", "{\"queueName\":\"three\"}");
    assertEquals(412, third.statusCode(), text(third));
    assertTrue(text(third).contains("queues.max-queues"), text(third));
    HttpResponse<byte[]> enqueued = node.send("POST", "/v2/enqueue/three/" + sink.url("/x"), Map.of(), null);
    assertEquals(412, enqueued.statusCode(), text(enqueued));
    assertEquals(404, node.send("GET", "/v2/queues/three", Map.of(), null).statusCode());
    assertEquals(200, post("/v2/queues", "{\"queueName\":\"one\",\"parallelism\":10}").statusCode(),
        "an existing queue can still be changed");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void parallelismOneIsStrictFifoThroughFailuresAndRetries(int shards) throws Exception {
    start(shards, Map.of());
    Map<String, Boolean> failedOnce = new ConcurrentHashMap<>();
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    sink.respond(r -> {
      String path = r.uri();
      // every third message fails its first attempt; the queue must wait for its retry
      boolean fail = path.endsWith("0") || path.endsWith("3") || path.endsWith("6");
      Reply reply = fail && failedOnce.putIfAbsent(path, true) == null ? Reply.status(500) : Reply.ok();
      if (reply.status() == 200) {
        order.add(path);
      }
      return new Reply(reply.status(), Map.of(), "", 5); // answered 5 ms late: a second attempt would overlap
    });
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      enqueue("fifo", "/m" + i, Map.of("Upstash-Retry-Delay", "50"));
      expected.add("/m" + i);
    }
    Sink.waitFor(() -> order.size() == 20, 30_000, "20 deliveries");
    assertEquals(expected, order, "delivered in the order of acceptance, each after the previous one's retries");
    assertEquals(1, sink.peakOpen(), "never two in flight");
    assertEquals(0L, node.getJson("/v2/queues/fifo").getLong("lag"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aPausedQueueAcceptsAndDeliversNothingUntilResumedAndShowsItsLag(int shards) throws Exception {
    start(shards, Map.of());
    post("/v2/queues", "{\"queueName\":\"held\",\"paused\":true}");
    String first = enqueue("held", "/p0", Map.of("Upstash-Forward-X-Kept", "k"));
    enqueue("held", "/p1", Map.of());
    enqueue("held", "/p2", Map.of());
    JsonObject message = node.getJson("/v2/messages/" + first);
    assertEquals("held", message.getString("queueName"));
    assertEquals(sink.url("/p0"), message.getString("url"));
    // a destination that itself holds /v2/publish/ is still enqueued, whole
    String inner = enqueue("held", "/v2/publish/x", Map.of());
    assertEquals(sink.url("/v2/publish/x"), node.getJson("/v2/messages/" + inner).getString("url"));
    assertEquals(200, node.send("DELETE", "/v2/messages/" + inner, Map.of(), null).statusCode());
    assertEquals(3L, node.getJson("/v2/queues/held").getLong("lag"));
    // a plain message published meanwhile is delivered: the paused queue blocks nobody
    node.publish(sink.url("/plain"), Map.of(), "x".getBytes());
    sink.await(1, 5_000);
    assertEquals("/plain", sink.received().get(0).uri(), "nothing of the paused queue went out");
    post("/v2/queues/held/resume", null);
    sink.await(4, 10_000);
    assertEquals(List.of("/plain", "/p0", "/p1", "/p2"), sink.received().stream().map(Sink.Received::uri).toList());
    assertEquals("k", sink.received().get(1).header("X-Kept"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void cancellingAQueuedMessageRemovesItAndDeadLettersShowTheirQueue(int shards) throws Exception {
    start(shards, Map.of());
    post("/v2/queues", "{\"queueName\":\"c\",\"paused\":true}");
    String keep = enqueue("c", "/keep", Map.of());
    String drop = enqueue("c", "/drop", Map.of());
    String dead = enqueue("c", "/dead", Map.of("Upstash-Retries", "0"));
    assertEquals(200, node.send("DELETE", "/v2/messages/" + drop, Map.of(), null).statusCode());
    assertEquals(404, node.send("GET", "/v2/messages/" + drop, Map.of(), null).statusCode());
    assertEquals(2L, node.getJson("/v2/queues/c").getLong("lag"));
    sink.respond(r -> r.uri().equals("/dead") ? Reply.status(500) : Reply.ok());
    post("/v2/queues/c/resume", null);
    Sink.waitFor(() -> node.deadLetters().size() == 1, 10_000, "the dead letter");
    JsonObject letter = node.deadLetters().getJsonObject(0);
    assertEquals(dead, letter.getString("messageId"));
    assertEquals("c", letter.getString("queueName"));
    assertEquals(List.of("/keep", "/dead"), sink.received().stream().map(Sink.Received::uri).toList());
    assertEquals(404, node.send("GET", "/v2/messages/" + keep, Map.of(), null).statusCode(), "delivered");
    JsonObject byId = node.getJson("/v2/dlq/" + letter.getString("dlqId"));
    assertEquals("c", byId.getString("queueName"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aBulkCancelByQueueNameEmptiesThatQueueOnly(int shards) throws Exception {
    start(shards, Map.of());
    post("/v2/queues", "{\"queueName\":\"gone\",\"paused\":true}");
    post("/v2/queues", "{\"queueName\":\"kept\",\"paused\":true}");
    for (int i = 0; i < 3; i++) {
      enqueue("gone", "/g" + i, Map.of());
    }
    enqueue("gone", "/later", Map.of("Upstash-Delay", "1h"));
    String kept = enqueue("kept", "/k", Map.of());
    String plain = node.publish(sink.url("/plain"), Map.of("Upstash-Delay", "1h"), "p".getBytes())
        .getString("messageId");
    assertEquals(4L, node.getJson("/v2/queues/gone").getLong("lag"), "three waiting their turn, one its delay");
    HttpResponse<byte[]> r = node.send("DELETE", "/v2/messages?queueName=gone", Map.of(), null);
    assertEquals(200, r.statusCode(), text(r));
    assertEquals(4, new JsonObject(Buffer.buffer(r.body())).getInteger("cancelled"), "waiting and delayed ones");
    assertEquals(0L, node.getJson("/v2/queues/gone").getLong("lag"));
    assertEquals(1L, node.getJson("/v2/queues/kept").getLong("lag"));
    assertEquals(200, node.send("GET", "/v2/messages/" + kept, Map.of(), null).statusCode());
    assertEquals(200, node.send("GET", "/v2/messages/" + plain, Map.of(), null).statusCode());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void parallelismBoundsTheAttemptsInFlight(int shards) throws Exception {
    start(shards, Map.of());
    post("/v2/queues", "{\"queueName\":\"p3\",\"parallelism\":3}");
    sink.respond(r -> new Reply(200, Map.of(), "", 150)); // slow: attempts overlap
    for (int i = 0; i < 12; i++) {
      enqueue("p3", "/s" + i, Map.of());
    }
    sink.await(12, 10_000);
    Sink.waitFor(() -> node.getJson("/v2/queues/p3").getLong("lag") == 0, 5_000, "an empty queue");
    assertEquals(3, sink.peakOpen(), "three at once at the peak, never four");
  }
}
