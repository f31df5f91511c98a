package dev.courier.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.Sink.Received;
import dev.courier.support.TestNode;
import dev.courier.bootstrap.EmbeddedRedis;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /v2/batch} through the HTTP API: a real node, a real Redis, a real sink (issue #16). */
class BatchApiTest {
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

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (sink != null) {
      sink.close();
    }
  }

  private void start(Map<String, String> env) throws Exception {
    node = TestNode.start(vertx, env);
    sink = Sink.start(vertx);
  }

  private HttpResponse<byte[]> batch(String json) {
    return node.send("POST", "/v2/batch", Map.of("Content-Type", "application/json"),
        json.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private JsonObject item(String destination, String body, String queue, String... headers) {
    JsonObject h = new JsonObject();
    for (int i = 0; i < headers.length; i += 2) {
      h.put(headers[i], headers[i + 1]);
    }
    JsonObject item = new JsonObject().put("destination", destination).put("headers", h);
    if (body != null) {
      item.put("body", body);
    }
    if (queue != null) {
      item.put("queue", queue);
    }
    return item;
  }

  @Test
  void mixedItemsAnswerInOrderAndABadOneDoesNotStopTheRest() throws Exception {
    start(Map.of("COURIER_REDIS_SHARDS", "4"));
    node.send("POST", "/v2/topics/pair/endpoints", Map.of(), new JsonObject().put("endpoints", new JsonArray()
        .add(new JsonObject().put("name", "left").put("url", sink.url("/left")))
        .add(new JsonObject().put("url", sink.url("/right")))).encode().getBytes(StandardCharsets.UTF_8));
    JsonArray items = new JsonArray()
        .add(item(sink.url("/one") + "?x=1", "{\"n\":1}", null, "content-type", "application/json",
            "upstash-forward-x-a", "a1", "upstash-method", "PUT"))
        .add(item("pair", "fan", null))
        .add(item(sink.url("/queued"), "q", "orders", "upstash-delay", "1h"))
        .add(item("ftp://nowhere/x", "bad", null))
        .add(item("no-such-group", "bad", null))
        .add(item(sink.url("/two"), "2", "bad queue!"))
        .add(item(sink.url("/three"), "3", null, "upstash-retries", "many"))
        .add(item(sink.url("/four"), null, null));
    HttpResponse<byte[]> r = batch(items.encode());
    assertEquals(200, r.statusCode(), text(r));
    JsonArray answer = new JsonArray(Buffer.buffer(r.body()));
    assertEquals(8, answer.size(), text(r));
    assertEquals(sink.url("/one") + "?x=1", answer.getJsonObject(0).getString("url"));
    JsonArray fan = answer.getJsonArray(1);
    assertEquals(List.of(sink.url("/left"), sink.url("/right")),
        fan.stream().map(o -> ((JsonObject) o).getString("url")).toList());
    String queuedId = answer.getJsonObject(2).getString("messageId");
    assertTrue(answer.getJsonObject(3).getString("error").contains("invalid scheme"), text(r));
    assertTrue(answer.getJsonObject(4).getString("error").contains("url group no-such-group not found"), text(r));
    assertTrue(answer.getJsonObject(5).getString("error").contains("invalid queue name"), text(r));
    assertTrue(answer.getJsonObject(6).getString("error").contains("Upstash-Retries"), text(r));
    assertTrue(answer.getJsonObject(7).getString("messageId").startsWith("msg_"));

    List<Received> got = sink.await(4, 10_000);
    Received one = got.stream().filter(d -> d.uri().startsWith("/one")).findFirst().orElseThrow();
    assertEquals("/one?x=1", one.uri());
    assertEquals("PUT", one.method());
    assertEquals("a1", one.header("X-A"));
    assertEquals("application/json", one.header("Content-Type"));
    assertEquals("{\"n\":1}", new String(one.body(), StandardCharsets.UTF_8));
    assertEquals("pair", got.stream().filter(d -> d.uri().equals("/left")).findFirst().orElseThrow()
        .header("Upstash-Topic-Name"));
    assertEquals(0, got.stream().filter(d -> d.uri().equals("/four")).findFirst().orElseThrow().body().length);
    JsonObject queued = node.getJson("/v2/messages/" + queuedId);
    assertEquals("orders", queued.getString("queueName"));
    assertEquals(1L, node.getJson("/v2/queues/orders").getLong("lag"));
    assertEquals(4, sink.received().size(), "the bad items stored nothing");
  }

  @Test
  void aBatchIsStoredInOneRoundTripPerShard(@TempDir Path dir) throws Exception {
    // A Redis of this test's own: the shared one also serves whatever else runs in this JVM (a node still stopping,
    // a child node of another test), and their transactions would be counted here too. The metrics' backlog
    // sampler reads each shard in a MULTI, at start and then every hour here: its first round is awaited before
    // counting. The event log's writer confirms and deletes each shard's stored entries in one (after its
    // checkpoint, once a second): off here.
    EmbeddedRedis own = EmbeddedRedis.start(dir);
    start(Map.of("COURIER_REDIS_SHARDS", "4", "COURIER_METRICS_SAMPLE_INTERVAL", "1h", "COURIER_REDIS_URL", own.url(),
        "COURIER_EVENT_LOG_ENABLED", "false"));
    JsonArray items = new JsonArray();
    for (int i = 0; i < 200; i++) {
      items.add(item(sink.url("/m" + i), "b" + i, null, "upstash-delay", "1h"));
    }
    Redis redis = Redis.createClient(vertx, own.url());
    try {
      Sink.waitFor(() -> execCalls(redis) >= 4, 10_000, "the backlog sampler's first round (one MULTI per shard)");
      long before = execCalls(redis);
      HttpResponse<byte[]> r = batch(items.encode());
      assertEquals(200, r.statusCode(), text(r));
      long transactions = execCalls(redis) - before;
      assertTrue(transactions >= 1 && transactions <= 4, transactions + " transactions for 200 messages on 4 shards");
      assertEquals(200, new JsonArray(Buffer.buffer(r.body())).size());
    } finally {
      redis.close();
      node.close();
      node = null;
      own.close();
    }
  }

  /**
   * Plain messages are stored with MULTI/EXEC; nothing else this node does while idle uses a transaction (the
   * backlog sampler, which does, is set to an hour after its first round, and the event log, whose writer does,
   * is off).
   */
  private static long execCalls(Redis redis) {
    String info = TestNode.get(redis.send(Request.cmd(Command.INFO).arg("commandstats"))).toString();
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("cmdstat_exec:")) {
        String v = line.substring(line.indexOf("calls=") + 6);
        return Long.parseLong(v.substring(0, v.indexOf(',')));
      }
    }
    return 0;
  }

  @Test
  void aMalformedOrOversizedBatchIsRefusedWholeAndStoresNothing() throws Exception {
    start(Map.of("COURIER_BATCH_MAX_MESSAGES", "3", "COURIER_BATCH_MAX_BYTES", "2048"));
    String ok = item(sink.url("/x"), "b", null).encode();
    record Case(String body, int status, String says) {}
    List<Case> cases = List.of(
        new Case("", 400, "a JSON array of messages is required"),
        new Case("{\"destination\":\"x\"}", 400, "a JSON array of messages is required"),
        new Case("[]", 400, "the batch is empty"),
        new Case("[" + ok + ",1]", 400, "[1] is not an object"),
        new Case("[" + ok + ",{\"body\":\"b\"}]", 400, "[1]: destination is required"),
        new Case("[" + ok + ",{\"destination\":\"" + sink.url("/y") + "\",\"header\":{}}]", 400, "[1]: unknown field 'header'"),
        new Case("[{\"destination\":\"" + sink.url("/y") + "\",\"headers\":[]}]", 400, "[0]: headers must be an object"),
        new Case("[{\"destination\":\"" + sink.url("/y") + "\",\"headers\":{\"a\":{}}}]", 400, "[0]: header a must be"),
        new Case("[{\"destination\":\"" + sink.url("/y") + "\",\"body\":{}}]", 400, "[0]: body must be a string"),
        new Case("[{\"destination\":\"" + sink.url("/y") + "\",\"queue\":1}]", 400, "[0]: queue must be a string"),
        new Case("[" + ok + "," + ok + "," + ok + "," + ok + "]", 413, "batch.max-messages"),
        new Case("[" + item(sink.url("/x"), "b".repeat(3000), null).encode() + "]", 413, "batch.max-bytes"));
    for (Case c : cases) {
      HttpResponse<byte[]> r = batch(c.body());
      assertEquals(c.status(), r.statusCode(), c + " answered " + text(r));
      String error = new JsonObject(Buffer.buffer(r.body())).getString("error");
      assertTrue(error != null && error.contains(c.says()), c + " answered " + text(r));
    }
    assertEquals(0, node.storedKeys(), "nothing stored");
    assertEquals(0, sink.received().size());
  }
}
