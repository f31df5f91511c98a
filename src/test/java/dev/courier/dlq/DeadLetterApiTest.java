package dev.courier.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.redis.Keys;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import dev.courier.support.Sink;
import dev.courier.support.Sink.Reply;
import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DLQ's management API (issue #17): filters, paging, get, delete, bulk delete, the scan bound and the
 * retention trim, on a real node, a real Redis and a real sink, with four shards.
 */
class DeadLetterApiTest {
  private static Vertx vertx;
  private TestNode node;
  private Sink sink;
  /** What each dead letter was published as: path → its message id. */
  private final Map<String, String> ids = new HashMap<>();
  private final java.util.concurrent.atomic.AtomicBoolean healed = new java.util.concurrent.atomic.AtomicBoolean();
  private long before;
  private long after;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    TestNode.get(vertx.close());
  }

  /**
   * Seven dead letters: /a0../a2 (label red, status 500), /b0, /b1 (label blue, status 503), /q (queue dq,
   * status 500), /g (group dg, status 500); every one fails its only attempt.
   */
  @BeforeEach
  void start() throws Exception {
    node = TestNode.start(vertx, Map.of("COURIER_REDIS_SHARDS", "4"));
    sink = Sink.start(vertx);
    sink.respond(r -> healed.get() ? Reply.ok() : Reply.status(r.uri().startsWith("/b") ? 503 : 500));
    before = System.currentTimeMillis();
    for (int i = 0; i < 3; i++) {
      publish("/v2/publish/" + sink.url("/a" + i), "red", "/a" + i);
    }
    for (int i = 0; i < 2; i++) {
      publish("/v2/publish/" + sink.url("/b" + i), "blue", "/b" + i);
    }
    publish("/v2/enqueue/dq/" + sink.url("/q"), null, "/q");
    node.send("POST", "/v2/topics/dg/endpoints", Map.of(),
        new JsonObject().put("endpoints", new JsonArray().add(new JsonObject().put("url", sink.url("/g")))).encode()
            .getBytes(StandardCharsets.UTF_8));
    HttpResponse<byte[]> g = node.send("POST", "/v2/publish/dg", Map.of("Upstash-Retries", "0"), "x".getBytes());
    ids.put("/g", new JsonArray(Buffer.buffer(g.body())).getJsonObject(0).getString("messageId"));
    Sink.waitFor(() -> all().size() == 7, 15_000, "seven dead letters");
    after = System.currentTimeMillis();
  }

  private void publish(String path, String label, String key) {
    Map<String, String> headers = new HashMap<>(Map.of("Upstash-Retries", "0"));
    if (label != null) {
      headers.put("Upstash-Label", label);
    }
    HttpResponse<byte[]> r = node.send("POST", path, headers, "x".getBytes());
    assertEquals(200, r.statusCode(), new String(r.body()));
    ids.put(key, new JsonObject(Buffer.buffer(r.body())).getString("messageId"));
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    sink.close();
  }

  private JsonObject list(String query) {
    return node.getJson("/v2/dlq" + (query.isEmpty() ? "" : "?" + query));
  }

  /** Every dead letter, page by page. */
  private List<JsonObject> all() {
    return pages("count=100");
  }

  private List<JsonObject> pages(String query) {
    List<JsonObject> out = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = list(query + (cursor == null ? "" : "&cursor=" + cursor));
      page.getJsonArray("messages").forEach(m -> out.add((JsonObject) m));
      cursor = page.getString("cursor");
      assertTrue(cursor == null || !cursor.isEmpty(), "a cursor is absent, never empty");
    } while (cursor != null);
    return out;
  }

  private Set<String> paths(List<JsonObject> items) {
    Set<String> out = new HashSet<>();
    for (JsonObject m : items) {
      ids.forEach((path, id) -> {
        if (id.equals(m.getString("messageId"))) {
          out.add(path);
        }
      });
    }
    return out;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void everyFilterSelectsItsDeadLetters() {
    assertEquals(Set.of("/a0", "/a1", "/a2"), paths(pages("label=red")));
    assertEquals(Set.of("/a0", "/a1", "/a2", "/b0", "/b1"), paths(pages("label=red,blue")));
    assertEquals(Set.of("/b0", "/b1"), paths(pages("responseStatus=503")));
    assertEquals(Set.of("/a0", "/b0"), paths(pages("url=" + enc(sink.url("/a0")) + "&url=" + enc(sink.url("/b0")))));
    assertEquals(Set.of("/q"), paths(pages("queueName=dq")));
    assertEquals(Set.of("/g"), paths(pages("topicName=dg")));
    assertEquals(Set.of("/g"), paths(pages("urlGroup=dg")));
    assertEquals(Set.of("/a1"), paths(pages("messageId=" + ids.get("/a1"))));
    assertEquals(7, pages("callerIp=127.0.0.1").size());
    assertEquals(0, pages("callerIp=10.9.9.9").size());
    assertEquals(7, pages("fromDate=" + before + "&toDate=" + (after + 1000)).size());
    assertEquals(0, pages("toDate=" + (before - 1)).size());
    assertEquals(7, pages("state=FAILED").size());
    assertEquals(0, pages("state=DELIVERED").size());
    assertEquals(0, pages("scheduleId=s1").size(), "no dead letter here came from a schedule");
    assertEquals(0, pages("flowControlKey=k").size());
    assertEquals(Set.of("/a0", "/a1", "/a2"), paths(pages("label=red&responseStatus=500")), "filters are ANDed");
    JsonObject byIds = list("dlqIds=" + pages("messageId=" + ids.get("/b1")).get(0).getString("dlqId") + "&dlqIds=0-4");
    assertEquals(1, byIds.getJsonArray("messages").size());
    assertTrue(!byIds.containsKey("cursor"));
  }

  @Test
  void pagesReachTheEndNewestFirstWithoutRepeats() {
    List<JsonObject> items = pages("count=2");
    assertEquals(7, items.size());
    assertEquals(7, new HashSet<>(items.stream().map(m -> m.getString("dlqId")).toList()).size());
    JsonObject one = list("count=7");
    assertNull(one.getString("cursor"), "no cursor on the last page");
  }

  @Test
  void badParametersAre400() {
    for (String q : List.of("labeel=x", "host=example.com", "path=/a", "count=0", "count=101", "responseStatus=abc",
        "state=NOPE", "fromDate=yesterday", "order=earliestFirst", "cursor=garbage")) {
      HttpResponse<byte[]> r = node.send("GET", "/v2/dlq?" + q, Map.of(), null);
      assertEquals(400, r.statusCode(), q + " answered " + new String(r.body()));
    }
    HttpResponse<byte[]> r = node.send("GET", "/v2/dlq?labeel=x", Map.of(), null);
    assertTrue(new String(r.body()).contains("labeel"));
  }

  @Test
  void getDeleteAndBulkDelete() {
    List<JsonObject> red = pages("label=red");
    String first = red.get(0).getString("dlqId");
    assertEquals(red.get(0), node.getJson("/v2/dlq/" + first));
    assertEquals(200, node.send("DELETE", "/v2/dlq/" + first, Map.of(), null).statusCode());
    assertEquals(404, node.send("DELETE", "/v2/dlq/" + first, Map.of(), null).statusCode());
    assertEquals(404, node.send("GET", "/v2/dlq/" + first, Map.of(), null).statusCode());

    // by ids (one of them gone): the number actually deleted
    String a = red.get(1).getString("dlqId");
    HttpResponse<byte[]> byIds = node.send("DELETE", "/v2/dlq?dlqIds=" + a + "&dlqIds=" + first, Map.of(), null);
    assertEquals(new JsonObject().put("deleted", 1), new JsonObject(Buffer.buffer(byIds.body())));

    // by filter, one per call, with a cursor while more may be left
    JsonObject one = new JsonObject(Buffer.buffer(node.send("DELETE", "/v2/dlq?label=blue&count=1", Map.of(), null).body()));
    assertEquals(1, one.getInteger("deleted"));
    assertTrue(one.getString("cursor") != null, one.encode());
    JsonObject none = new JsonObject(Buffer.buffer(node.send("DELETE", "/v2/dlq?label=green&count=100", Map.of(), null).body()));
    assertEquals(new JsonObject().put("deleted", 0), none, "no match: deleted 0, no cursor");

    // all, in a loop as the SDK's delete({all:true}) runs it
    int deleted = 0;
    String cursor = null;
    do {
      JsonObject r = new JsonObject(Buffer.buffer(node.send("DELETE",
          "/v2/dlq?count=2" + (cursor == null ? "" : "&cursor=" + cursor), Map.of(), null).body()));
      deleted += r.getInteger("deleted");
      cursor = r.getString("cursor");
    } while (cursor != null);
    assertEquals(4, deleted);
    assertEquals(0, all().size());
  }

  @Test
  void aRetryMakesANewMessageAndTakesTheDeadLetterOutInOneStep() {
    healed.set(true);
    JsonObject dead = pages("messageId=" + ids.get("/a0")).get(0);
    String dlqId = dead.getString("dlqId");
    HttpResponse<byte[]> r = node.send("POST", "/v2/dlq/retry/" + dlqId,
        Map.of("Upstash-Retries", "5", "Upstash-Delay", "1h"), null);
    assertEquals(201, r.statusCode(), new String(r.body()));
    String newId = new JsonObject(Buffer.buffer(r.body())).getString("messageId");
    assertTrue(newId.startsWith("msg_") && !newId.equals(ids.get("/a0")), newId);
    JsonObject m = node.getJson("/v2/messages/" + newId);
    assertEquals(5, m.getInteger("maxRetries"), "Upstash-Retries overrides");
    assertTrue(m.getLong("notBefore") >= System.currentTimeMillis() + 3_500_000L, "Upstash-Delay overrides");
    assertEquals(dead.getString("url"), m.getString("url"));
    assertEquals(List.of("red"), m.getJsonArray("labels").getList());
    assertEquals(404, node.send("DELETE", "/v2/dlq/" + dlqId, Map.of(), null).statusCode(), "it left the DLQ");
    assertEquals(404, node.send("POST", "/v2/dlq/retry/" + dlqId, Map.of(), null).statusCode(), "once");
    assertEquals(400, node.send("POST", "/v2/dlq/retry/" + pages("label=blue").get(0).getString("dlqId"),
        Map.of("Upstash-Retries", "many"), null).statusCode());
    HttpResponse<byte[]> refused = node.send("POST", "/v2/dlq/retry/" + pages("label=blue").get(0).getString("dlqId"),
        Map.of("Upstash-Forward-X", "y"), null);
    assertEquals(400, refused.statusCode());
    assertTrue(new String(refused.body()).contains("Upstash-Forward-X"), new String(refused.body()));
    assertEquals(6, all().size(), "a refused retry keeps its dead letter");

    // the queued one goes back to its queue, and is delivered from it
    String queued = pages("queueName=dq").get(0).getString("dlqId");
    JsonObject q = new JsonObject(Buffer.buffer(node.send("POST", "/v2/dlq/retry?dlqIds=" + queued, Map.of(), null).body()));
    assertTrue(!q.containsKey("cursor"), q.encode());
    String requeued = q.getJsonArray("responses").getJsonObject(0).getString("messageId");
    Sink.waitFor(() -> sink.received().stream().anyMatch(d -> requeued.equals(d.header("Upstash-Message-Id"))), 10_000,
        "the retried queued message delivered");
    assertEquals("/q", sink.received().stream().filter(d -> requeued.equals(d.header("Upstash-Message-Id")))
        .findFirst().orElseThrow().uri());
    assertEquals(0L, node.getJson("/v2/queues/dq").getLong("lag"), "through its queue, which it left");

    // by filter, all at once: the two blue ones and the group's
    JsonObject many = new JsonObject(Buffer.buffer(node.send("POST", "/v2/dlq/retry?label=blue&count=100", Map.of(),
        null).body()));
    assertEquals(2, many.getJsonArray("responses").size(), many.encode());
    assertEquals(Set.of("/g", "/a1", "/a2"), paths(all()));
    Sink.waitFor(() -> sink.received().stream().filter(d -> d.uri().startsWith("/b")).count() >= 4, 10_000,
        "the retried blue ones delivered");
  }

  @Test
  void aFilteredPageReadsABoundedNumberOfDeadLetters() {
    try (var redis = new Closer(new RedisConnector(vertx, TestRedis.url()))) {
      DeadLetterService small = new DeadLetterService(new ScriptRunner(redis.c), new Keys(node.prefix(), 4), 3);
      DeadLetterFilter nothing = filter("label", "green");
      JsonObject page = TestNode.get(small.list(null, 100, nothing));
      assertEquals(0, page.getJsonArray("messages").size());
      assertTrue(page.getString("cursor") != null, "the budget ran out: a cursor to go on from");
      int pagesToEnd = 1;
      while (page.getString("cursor") != null) {
        page = TestNode.get(small.list(page.getString("cursor"), 100, nothing));
        pagesToEnd++;
      }
      assertTrue(pagesToEnd >= 3, "7 dead letters read 3 at a time: " + pagesToEnd + " pages");
      JsonObject blue = TestNode.get(small.list(null, 100, filter("label", "blue")));
      List<JsonObject> found = new ArrayList<>();
      blue.getJsonArray("messages").forEach(m -> found.add((JsonObject) m));
      while (blue.getString("cursor") != null) {
        blue = TestNode.get(small.list(blue.getString("cursor"), 100, filter("label", "blue")));
        blue.getJsonArray("messages").forEach(m -> found.add((JsonObject) m));
      }
      assertEquals(Set.of("/b0", "/b1"), paths(found));
    }
  }

  @Test
  void retentionTrimDeletesWhatIsOlderThanTheCutoff() {
    try (var redis = new Closer(new RedisConnector(vertx, TestRedis.url()))) {
      DeadLetterService dlq = new DeadLetterService(new ScriptRunner(redis.c), new Keys(node.prefix(), 4));
      assertEquals(0L, TestNode.get(dlq.trim(before - 1)), "nothing failed before the publishes");
      assertEquals(7, all().size());
      // a trim of a stopping node makes no further call: the rest waits for the next trim
      assertEquals(0L, TestNode.get(dlq.trim(System.currentTimeMillis() + 1, () -> false)));
      assertEquals(7, all().size());
      // the clock moved past the retention of every one of them
      assertEquals(7L, TestNode.get(dlq.trim(System.currentTimeMillis() + 1)));
      assertEquals(0, all().size());
      assertEquals(404, node.send("GET", "/v2/dlq/" + "1-0", Map.of(), null).statusCode());
    }
  }

  private static DeadLetterFilter filter(String name, String value) {
    return DeadLetterFilter.from(io.vertx.core.MultiMap.caseInsensitiveMultiMap().add(name, value), Set.of());
  }

  private static final class Closer implements AutoCloseable {
    final RedisConnector c;

    Closer(RedisConnector c) {
      this.c = c;
    }

    @Override
    public void close() {
      TestNode.get(c.close());
    }
  }
}
