package dev.courier.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.Sink.Received;
import dev.courier.support.Sink.Reply;
import dev.courier.support.TestNode;
import dev.courier.support.TestReceiver;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** URL groups through the HTTP API: real nodes, a real Redis, a real sink (issue #16). */
class UrlGroupApiTest {
  private static Vertx vertx;
  private TestNode node;
  private TestNode other;
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
    for (AutoCloseable c : new AutoCloseable[] {node, other, sink}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private void start(Map<String, String> env) throws Exception {
    node = TestNode.start(vertx, env);
    sink = Sink.start(vertx);
  }

  private HttpResponse<byte[]> send(TestNode n, String method, String path, String json) {
    return n.send(method, path, json == null ? Map.of() : Map.of("Content-Type", "application/json"),
        json == null ? null : json.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private String endpoints(String... nameAndPath) {
    JsonArray eps = new JsonArray();
    for (int i = 0; i < nameAndPath.length; i += 2) {
      JsonObject e = new JsonObject();
      if (nameAndPath[i] != null) {
        e.put("name", nameAndPath[i]);
      }
      eps.add(e.put("url", sink.url(nameAndPath[i + 1])));
    }
    return new JsonObject().put("endpoints", eps).encode();
  }

  @Test
  void groupsAreCreatedEditedListedAndDeleted() throws Exception {
    start(Map.of());
    assertEquals(200, send(node, "POST", "/v2/topics/g1/endpoints", endpoints("e1", "/a", null, "/b")).statusCode());
    JsonObject g = node.getJson("/v2/topics/g1");
    assertEquals("g1", g.getString("name"));
    assertEquals(new JsonArray().add(new JsonObject().put("name", "e1").put("url", sink.url("/a")))
        .add(new JsonObject().put("url", sink.url("/b"))), g.getJsonArray("endpoints"),
        "exactly {name,url} or {url}, in the order added");
    long created = g.getLong("createdAt");
    assertTrue(created > 0 && g.getLong("updatedAt") >= created);

    // e1 moves to /c; the unnamed /b gets a name; /d is appended
    assertEquals(200, send(node, "POST", "/v2/topics/g1/endpoints",
        endpoints("e1", "/c", "e2", "/b", null, "/d")).statusCode());
    g = node.getJson("/v2/topics/g1");
    assertEquals(List.of(Map.of("name", "e1", "url", sink.url("/c")), Map.of("name", "e2", "url", sink.url("/b")),
        Map.of("url", sink.url("/d"))), g.getJsonArray("endpoints").getList());
    assertEquals(created, g.getLong("createdAt"));

    send(node, "POST", "/v2/topics/g0/endpoints", endpoints(null, "/z"));
    JsonArray all = new JsonArray(Buffer.buffer(send(node, "GET", "/v2/topics", null).body()));
    assertEquals(List.of("g0", "g1"), all.stream().map(o -> ((JsonObject) o).getString("name")).toList());

    // by name, by url; a ref matching nothing changes nothing
    assertEquals(200, send(node, "DELETE", "/v2/topics/g1/endpoints", new JsonObject().put("endpoints",
        new JsonArray().add(new JsonObject().put("name", "e1")).add(new JsonObject().put("url", sink.url("/d")))
            .add(new JsonObject().put("name", "nobody"))).encode()).statusCode());
    assertEquals(List.of(Map.of("name", "e2", "url", sink.url("/b"))),
        node.getJson("/v2/topics/g1").getJsonArray("endpoints").getList());
    // removing the last endpoint deletes the group
    assertEquals(200, send(node, "DELETE", "/v2/topics/g1/endpoints",
        "{\"endpoints\":[{\"name\":\"e2\"}]}").statusCode());
    assertEquals(404, send(node, "GET", "/v2/topics/g1", null).statusCode());

    assertEquals(200, send(node, "DELETE", "/v2/topics/g0", null).statusCode());
    assertEquals(404, send(node, "DELETE", "/v2/topics/g0", null).statusCode());
    assertEquals("[]", text(send(node, "GET", "/v2/topics", null)));
    assertEquals(0, node.storedKeys(), "a deleted group leaves nothing behind");
  }

  @Test
  void aPublishFansOutToEveryEndpointEachMessageOnItsOwn() throws Exception {
    start(Map.of("COURIER_REDIS_SHARDS", "4"));
    sink.respond(r -> r.uri().startsWith("/bad") ? Reply.status(500) : Reply.ok());
    send(node, "POST", "/v2/topics/fan/endpoints", endpoints("one", "/ok1", null, "/ok2", "three", "/bad"));
    byte[] body = "{\"n\":1}".getBytes(StandardCharsets.UTF_8);
    HttpResponse<byte[]> r = node.send("POST", "/v2/publish/fan", Map.of("Content-Type", "application/json",
        "Upstash-Retries", "1", "Upstash-Retry-Delay", "50"), body);
    assertEquals(200, r.statusCode(), text(r));
    JsonArray results = new JsonArray(Buffer.buffer(r.body()));
    assertEquals(3, results.size());
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      ids.add(results.getJsonObject(i).getString("messageId"));
    }
    assertEquals(3, ids.size(), "one id per endpoint: " + results);
    assertEquals(List.of(sink.url("/ok1"), sink.url("/ok2"), sink.url("/bad")),
        results.stream().map(o -> ((JsonObject) o).getString("url")).toList());

    // 2 deliveries to the good endpoints, 2 attempts at the bad one (retries 1)
    List<Received> got = sink.await(4, 10_000);
    TestReceiver receiver = new TestReceiver(TestNode.CURRENT_KEY, TestNode.NEXT_KEY);
    for (Received d : got) {
      assertEquals("fan", d.header("Upstash-Topic-Name"));
      String url = sink.url(d.uri());
      receiver.verify(d.header("Upstash-Signature"), body, url); // sub = the endpoint's URL
      assertTrue(ids.contains(d.header("Upstash-Message-Id")));
    }
    assertEquals(2, got.stream().filter(d -> d.uri().equals("/bad")).count());

    Sink.waitFor(() -> node.deadLetters().size() == 1, 10_000, "the failing endpoint's message dead-lettered");
    JsonObject dead = node.deadLetters().getJsonObject(0);
    assertEquals(results.getJsonObject(2).getString("messageId"), dead.getString("messageId"));
    assertEquals("fan", dead.getString("topicName"));
    assertEquals("three", dead.getString("endpointName"));
    assertEquals(500, dead.getInteger("responseStatus"));
    assertEquals(4, sink.received().size(), "the good endpoints were not retried");
  }

  @Test
  void aPendingMessageShowsItsGroupAndEndpointAndDedupIsPerEndpoint() throws Exception {
    start(Map.of("COURIER_REDIS_SHARDS", "4"));
    send(node, "POST", "/v2/topics/later/endpoints", endpoints("e1", "/x", null, "/y"));
    Map<String, String> headers = Map.of("Upstash-Delay", "1h", "Upstash-Deduplication-Id", "d-1");
    HttpResponse<byte[]> first = node.send("POST", "/v2/publish/later", headers, "b".getBytes());
    assertEquals(200, first.statusCode(), text(first));
    JsonArray ids = new JsonArray(Buffer.buffer(first.body()));
    JsonObject m = node.getJson("/v2/messages/" + ids.getJsonObject(0).getString("messageId"));
    assertEquals("later", m.getString("topicName"));
    assertEquals("e1", m.getString("endpointName"));
    assertEquals(sink.url("/x"), m.getString("url"));
    JsonObject unnamed = node.getJson("/v2/messages/" + ids.getJsonObject(1).getString("messageId"));
    assertEquals("later", unnamed.getString("topicName"));
    assertTrue(!unnamed.containsKey("endpointName"), unnamed.encode());

    HttpResponse<byte[]> again = node.send("POST", "/v2/publish/later", headers, "b".getBytes());
    assertEquals(202, again.statusCode(), text(again));
    JsonArray dup = new JsonArray(Buffer.buffer(again.body()));
    for (int i = 0; i < 2; i++) {
      assertEquals(ids.getJsonObject(i).getString("messageId"), dup.getJsonObject(i).getString("messageId"));
      assertEquals(true, dup.getJsonObject(i).getBoolean("deduplicated"));
    }
    // a new endpoint is a new scope: its message is stored, the others are still duplicates
    send(node, "POST", "/v2/topics/later/endpoints", endpoints(null, "/z"));
    JsonArray third = new JsonArray(Buffer.buffer(node.send("POST", "/v2/publish/later", headers, "b".getBytes()).body()));
    assertEquals(3, third.size());
    assertEquals(true, third.getJsonObject(0).getBoolean("deduplicated"));
    assertTrue(!third.getJsonObject(2).containsKey("deduplicated"), third.encode());

    // enqueue to a group: every endpoint's message joins the queue
    HttpResponse<byte[]> queued = node.send("POST", "/v2/enqueue/q1/later", Map.of("Upstash-Delay", "1h"), "b".getBytes());
    assertEquals(200, queued.statusCode(), text(queued));
    JsonArray q = new JsonArray(Buffer.buffer(queued.body()));
    assertEquals("q1", node.getJson("/v2/messages/" + q.getJsonObject(0).getString("messageId")).getString("queueName"));
    assertEquals(3L, node.getJson("/v2/queues/q1").getLong("lag"));
  }

  @Test
  void anEditOnOneNodeIsSeenByAnotherWithinASecond() throws Exception {
    String prefix = "t" + UUID.randomUUID().toString().substring(0, 8);
    start(Map.of("COURIER_REDIS_KEY_PREFIX", prefix));
    other = TestNode.start(vertx, Map.of("COURIER_REDIS_KEY_PREFIX", prefix));
    send(node, "POST", "/v2/topics/shared/endpoints", endpoints(null, "/1", null, "/2"));
    assertEquals(2, publishTo(other).size(), "the other node reads the group (and caches it)");

    send(node, "POST", "/v2/topics/shared/endpoints", endpoints(null, "/3"));
    long edited = System.currentTimeMillis();
    Sink.waitFor(() -> publishTo(other).size() == 3, 5_000, "the other node sees the new endpoint");
    long seenAfter = System.currentTimeMillis() - edited;
    assertTrue(seenAfter < 1_000, "seen after " + seenAfter + " ms");

    assertEquals(200, send(node, "DELETE", "/v2/topics/shared", null).statusCode());
    long deleted = System.currentTimeMillis();
    Sink.waitFor(() -> send(other, "POST", "/v2/publish/shared", "{}").statusCode() == 404, 5_000,
        "the other node sees the delete");
    assertTrue(System.currentTimeMillis() - deleted < 1_000);
    assertEquals(404, send(node, "POST", "/v2/publish/shared", "{}").statusCode(), "the editing node at once");
  }

  private JsonArray publishTo(TestNode n) {
    HttpResponse<byte[]> r = n.send("POST", "/v2/publish/shared", Map.of("Upstash-Delay", "1h"), "b".getBytes());
    assertEquals(200, r.statusCode(), text(r));
    return new JsonArray(Buffer.buffer(r.body()));
  }

  @Test
  void badInputGetsAClear4xxAndStoresNothing() throws Exception {
    start(Map.of("COURIER_URL_GROUPS_MAX_GROUPS", "1", "COURIER_URL_GROUPS_MAX_ENDPOINTS", "2"));
    record Case(String method, String path, String body, int status, String says) {}
    String ok = sink.url("/ok");
    List<Case> cases = List.of(
        new Case("POST", "/v2/topics/bad%20name/endpoints", endpoints(null, "/a"), 400, "invalid url group name"),
        new Case("POST", "/v2/topics/g/endpoints", "", 400, "endpoints"),
        new Case("POST", "/v2/topics/g/endpoints", "{\"endpoints\":[]}", 400, "non-empty array"),
        new Case("POST", "/v2/topics/g/endpoints", "{\"endpoints\":[{\"name\":\"x\"}]}", 400, "endpoints[0]: url is required"),
        new Case("POST", "/v2/topics/g/endpoints", "{\"endpoints\":[{\"url\":\"ftp://x\"}]}", 400, "endpoints[0]: invalid url"),
        new Case("POST", "/v2/topics/g/endpoints", "{\"endpoints\":[{\"url\":\"" + ok + "\",\"id\":1}]}", 400,
            "unknown field 'id'"),
        new Case("POST", "/v2/topics/g/endpoints", "{\"endpoints\":[{\"url\":\"" + ok + "\",\"name\":\"a b\"}]}", 400,
            "endpoints[0]: invalid name"),
        new Case("POST", "/v2/topics/g/endpoints", "{\"endpoints\":[{\"url\":\"http://\"}]}", 400, "endpoints[0]"),
        new Case("POST", "/v2/topics/g/endpoints", "{\"endpoints\":[\"" + ok + "\"]}", 400, "endpoints[0] is not an object"),
        new Case("POST", "/v2/topics/g/endpoints", endpoints(null, "/1", null, "/2", null, "/3"), 412,
            "url-groups.max-endpoints"),
        new Case("DELETE", "/v2/topics/g/endpoints", "{\"endpoints\":[{}]}", 400, "give the name or the url"),
        new Case("DELETE", "/v2/topics/nope/endpoints", "{\"endpoints\":[{\"name\":\"x\"}]}", 404, "url group nope not found"),
        new Case("GET", "/v2/topics/nope", null, 404, "url group nope not found"),
        new Case("POST", "/v2/publish/not-a-url", "{}", 404, "a destination is an http:// or https:// URL"),
        new Case("POST", "/v2/publish/not%20a%20url", "{}", 400, "expected an http(s) URL or a url group name"),
        new Case("POST", "/v2/publish/ftp://example.com", "{}", 400, "invalid scheme"));
    for (Case c : cases) {
      HttpResponse<byte[]> r = send(node, c.method(), c.path(), c.body());
      assertEquals(c.status(), r.statusCode(), c + " answered " + text(r));
      String error = new JsonObject(Buffer.buffer(r.body())).getString("error");
      assertTrue(error != null && error.contains(c.says()), c + " answered " + text(r));
    }
    assertEquals(0, node.storedKeys(), "nothing stored");

    assertEquals(200, send(node, "POST", "/v2/topics/g/endpoints", endpoints(null, "/1")).statusCode());
    HttpResponse<byte[]> second = send(node, "POST", "/v2/topics/h/endpoints", endpoints(null, "/1"));
    assertEquals(412, second.statusCode(), text(second));
    assertTrue(text(second).contains("url-groups.max-groups"));
    HttpResponse<byte[]> query = send(node, "POST", "/v2/publish/g?x=1", "{}");
    assertEquals(400, query.statusCode(), text(query));
    assertNotEquals(-1, text(query).indexOf("takes no query string"));
  }
}
