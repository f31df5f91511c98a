package dev.courier.flowcontrol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Flow control through the HTTP API on one node, a real Redis and a real sink (issue #16), with one shard and
 * with four (a key lives whole in the shard of its name): keys created and configured by their messages and
 * shown with exactly the fields of qstash-api.md §5.9; pause keeps the waitlist; pin, unpin and resetRate as
 * §16 says; bad values are a 400 naming them and store nothing. The rate across two nodes and the parallelism
 * across two nodes are in {@code TwoNodeFlowControlTest}.
 */
class FlowControlApiTest {
  private static final Set<String> FIELDS = Set.of("flowControlKey", "waitListSize", "parallelismMax",
      "parallelismCount", "rateMax", "rateCount", "ratePeriod", "ratePeriodStart", "isPaused", "isPinnedParallelism",
      "isPinnedRate");
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

  private String publish(String path, String key, String value, Map<String, String> more) {
    Map<String, String> h = new HashMap<>(more);
    h.put("Upstash-Flow-Control-Key", key);
    h.put("Upstash-Flow-Control-Value", value);
    return node.publish(sink.url(path), h, path.getBytes(StandardCharsets.UTF_8)).getString("messageId");
  }

  private JsonObject flow(String key) {
    return node.getJson("/v2/flowControl/" + key);
  }

  private HttpResponse<byte[]> post(String path) {
    return node.send("POST", path, Map.of(), null);
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void keysAreMadeByTheirMessagesAndShownWithTheFieldsOfTheSpec(int shards) throws Exception {
    start(shards, Map.of());
    long before = System.currentTimeMillis() / 1000;
    String id = publish("/later", "tenant.7:a@b", "parallelism=2, rate=5, period=1m", Map.of("Upstash-Delay", "1h"));
    JsonObject f = flow("tenant.7:a@b");
    assertEquals(FIELDS, f.fieldNames(), f.encode());
    for (String field : FIELDS) {
      if (!field.equals("flowControlKey")) {
        assertTrue(f.getValue(field) instanceof Number || f.getValue(field) instanceof Boolean, field + " in " + f);
      }
    }
    assertEquals(new JsonObject().put("flowControlKey", "tenant.7:a@b").put("waitListSize", 0).put("parallelismMax", 2)
        .put("parallelismCount", 0).put("rateMax", 5).put("rateCount", 0).put("ratePeriod", 60)
        .put("ratePeriodStart", 0).put("isPaused", false).put("isPinnedParallelism", false)
        .put("isPinnedRate", false), f, "a delayed message is not in the waitlist; no window started yet");
    JsonObject m = node.getJson("/v2/messages/" + id);
    assertEquals("tenant.7:a@b", m.getString("flowControlKey"));
    assertEquals(List.of(2, 5, 60), List.of(m.getInteger("parallelism"), m.getInteger("rate"), m.getInteger("period")));

    // A message with a rate only: one message per second, so its first is delivered and counted.
    publish("/now", "other", "rate=1", Map.of());
    sink.await(1, 10_000);
    Sink.waitFor(() -> flow("other").getLong("parallelismCount") == 0, 5_000, "the attempt's permit back");
    JsonObject other = flow("other");
    assertEquals(0, other.getInteger("parallelismMax"), "no parallelism given: unlimited, shown as 0");
    assertEquals(1, other.getInteger("rateMax"));
    assertEquals(1, other.getInteger("ratePeriod"), "the default period: 1 s");
    assertTrue(other.getLong("ratePeriodStart") >= before, other.encode());

    JsonArray all = new JsonArray(Buffer.buffer(node.send("GET", "/v2/flowControl", Map.of(), null).body()));
    assertEquals(List.of("other", "tenant.7:a@b"), all.stream().map(o -> ((JsonObject) o).getString("flowControlKey"))
        .toList());
    JsonArray found = new JsonArray(Buffer.buffer(node.send("GET", "/v2/flowControl?search=7:a", Map.of(), null)
        .body()));
    assertEquals(1, found.size());
    assertEquals(f, found.getJsonObject(0));
    assertEquals(0, new JsonArray(Buffer.buffer(node.send("GET", "/v2/flowControl?search=zzz", Map.of(), null).body()))
        .size());
    assertEquals(0, new JsonArray(Buffer.buffer(node.send("GET", "/v2/queues", Map.of(), null).body())).size(),
        "flow-control keys are not queues");

    JsonObject global = node.getJson("/v2/globalParallelism");
    assertEquals(Set.of("parallelismMax", "parallelismCount"), global.fieldNames());
    assertEquals(1000, global.getInteger("parallelismMax"), "delivery.max-in-flight");
    assertEquals(0, global.getInteger("parallelismCount"));

    for (String path : List.of("", "/pause", "/resume", "/pin?rate=1", "/unpin?rate=true", "/resetRate")) {
      HttpResponse<byte[]> r = node.send(path.isEmpty() ? "GET" : "POST", "/v2/flowControl/nope" + path, Map.of(), null);
      assertEquals(404, r.statusCode(), path + ": " + text(r));
      assertTrue(text(r).contains("flow-control key nope not found"), text(r));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void badValuesGetA400NamingThemAndStoreNothing(int shards) throws Exception {
    start(shards, Map.of("COURIER_FLOW_CONTROL_MAX_KEYS", "1"));
    record Case(Map<String, String> headers, String says) {}
    List<Case> cases = List.of(
        new Case(Map.of("Upstash-Flow-Control-Key", "k"), "needs an Upstash-Flow-Control-Value"),
        new Case(Map.of("Upstash-Flow-Control-Value", "rate=1"), "needs an Upstash-Flow-Control-Key"),
        new Case(Map.of("Upstash-Flow-Control-Key", "k", "Upstash-Flow-Control-Value", "period=1s"),
            "give parallelism and/or rate"),
        new Case(Map.of("Upstash-Flow-Control-Key", "k", "Upstash-Flow-Control-Value", "parallelism=0"),
            "parallelism must be a whole number of at least 1"),
        new Case(Map.of("Upstash-Flow-Control-Key", "k", "Upstash-Flow-Control-Value", "rate=2.5"),
            "rate must be a whole number"),
        new Case(Map.of("Upstash-Flow-Control-Key", "k", "Upstash-Flow-Control-Value", "rate=1, burst=2"),
            "unknown parameter 'burst'"),
        new Case(Map.of("Upstash-Flow-Control-Key", "k", "Upstash-Flow-Control-Value", "rate=1, period=2w"),
            "period must be seconds or a duration"),
        new Case(Map.of("Upstash-Flow-Control-Key", "k", "Upstash-Flow-Control-Value", "rate=1, period=8d"),
            "period must be from 1s to 1 week"),
        new Case(Map.of("Upstash-Flow-Control-Key", "a/b", "Upstash-Flow-Control-Value", "rate=1"),
            "invalid Upstash-Flow-Control-Key"));
    for (Case c : cases) {
      HttpResponse<byte[]> r = node.send("POST", "/v2/publish/" + sink.url("/x"), c.headers(), "b".getBytes());
      assertEquals(400, r.statusCode(), c + " answered " + text(r));
      assertTrue(new JsonObject(Buffer.buffer(r.body())).getString("error").contains(c.says()), c + ": " + text(r));
    }
    HttpResponse<byte[]> enqueued = node.send("POST", "/v2/enqueue/q/" + sink.url("/x"),
        Map.of("Upstash-Flow-Control-Key", "k", "Upstash-Flow-Control-Value", "rate=1"), "b".getBytes());
    assertEquals(400, enqueued.statusCode(), text(enqueued));
    assertTrue(text(enqueued).contains("Upstash-Flow-Control-Key cannot be used when enqueueing (queue q)"),
        text(enqueued));
    assertEquals(0, node.storedKeys(), "nothing stored for any of them");

    publish("/one", "one", "parallelism=1", Map.of("Upstash-Delay", "1h"));
    for (String bad : List.of("/pin", "/pin?parallelism=0", "/pin?rate=x", "/pin?period=9d", "/pin?burst=1",
        "/unpin", "/unpin?rate=yes")) {
      HttpResponse<byte[]> r = post("/v2/flowControl/one" + bad);
      assertEquals(400, r.statusCode(), bad + ": " + text(r));
    }
    assertTrue(text(post("/v2/flowControl/one/pin?rate=x")).contains("invalid rate"));
    assertTrue(text(post("/v2/flowControl/one/pin?burst=1")).contains("unknown query parameter 'burst'"));

    // flow-control.max-keys: a message with one more key is refused, the existing key still takes messages.
    HttpResponse<byte[]> second = node.send("POST", "/v2/publish/" + sink.url("/x"),
        Map.of("Upstash-Flow-Control-Key", "two", "Upstash-Flow-Control-Value", "rate=1"), "b".getBytes());
    assertEquals(412, second.statusCode(), text(second));
    assertTrue(text(second).contains("flow-control.max-keys"), text(second));
    assertEquals(404, node.send("GET", "/v2/flowControl/two", Map.of(), null).statusCode());
    publish("/one-more", "one", "parallelism=1", Map.of("Upstash-Delay", "1h"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aPausedKeyKeepsItsWaitlistAndResumeDeliversIt(int shards) throws Exception {
    start(shards, Map.of());
    publish("/first", "held", "parallelism=1", Map.of());
    sink.await(1, 10_000);
    assertEquals(200, post("/v2/flowControl/held/pause").statusCode());
    assertEquals(200, post("/v2/flowControl/held/pause").statusCode(), "pausing twice changes nothing");
    for (int i = 0; i < 3; i++) {
      publish("/w" + i, "held", "parallelism=1", Map.of());
    }
    JsonObject f = flow("held");
    assertEquals(true, f.getBoolean("isPaused"));
    assertEquals(3, f.getInteger("waitListSize"));
    // a plain message published meanwhile is delivered: the paused key holds up nobody else
    node.publish(sink.url("/plain"), Map.of(), "p".getBytes());
    sink.await(2, 5_000);
    assertEquals(List.of("/first", "/plain"), sink.received().stream().map(Sink.Received::uri).toList(),
        "nothing of the paused key went out");
    assertEquals(200, post("/v2/flowControl/held/resume").statusCode());
    sink.await(5, 10_000);
    assertEquals(List.of("/first", "/plain", "/w0", "/w1", "/w2"),
        sink.received().stream().map(Sink.Received::uri).toList());
    Sink.waitFor(() -> flow("held").getInteger("waitListSize") == 0, 5_000, "an empty waitlist");
    assertFalse(flow("held").getBoolean("isPaused"));

    // a bulk cancel finds the messages waiting in a key's waitlist too
    post("/v2/flowControl/held/pause");
    publish("/gone0", "held", "parallelism=1", Map.of());
    publish("/gone1", "held", "parallelism=1", Map.of());
    HttpResponse<byte[]> cancelled = node.send("DELETE", "/v2/messages", Map.of(), null);
    assertEquals(2, new JsonObject(Buffer.buffer(cancelled.body())).getInteger("cancelled"), text(cancelled));
    assertEquals(0, flow("held").getInteger("waitListSize"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void pinUnpinAndResetRateAsTheSpecSays(int shards) throws Exception {
    start(shards, Map.of());
    for (int i = 0; i < 4; i++) {
      publish("/r" + i, "slow", "rate=1, period=1m", Map.of());
    }
    sink.await(1, 10_000);
    Sink.waitFor(() -> flow("slow").getInteger("waitListSize") == 3, 5_000, "three waiting for the next minute");
    JsonObject spent = flow("slow");
    assertEquals(1, spent.getInteger("rateCount"));
    long periodStart = spent.getLong("ratePeriodStart");

    // resetRate: count 0 and a new period from now, so one more starts at once
    assertEquals(200, post("/v2/flowControl/slow/resetRate").statusCode());
    sink.await(2, 10_000);
    Sink.waitFor(() -> flow("slow").getInteger("waitListSize") == 2, 5_000, "two still waiting");
    assertTrue(flow("slow").getLong("ratePeriodStart") >= periodStart);
    assertEquals(1, flow("slow").getInteger("rateCount"), "the new period counts the attempt it started");

    // pin: the values given, pinned, and the rate state reset: the two waiting ones start
    assertEquals(200, post("/v2/flowControl/slow/pin?rate=5&parallelism=3").statusCode());
    sink.await(4, 10_000);
    JsonObject pinned = flow("slow");
    assertEquals(List.of(5, 3, 60, true, true), List.of(pinned.getInteger("rateMax"), pinned.getInteger("parallelismMax"),
        pinned.getInteger("ratePeriod"), pinned.getBoolean("isPinnedRate"), pinned.getBoolean("isPinnedParallelism")));
    publish("/r4", "slow", "rate=1, parallelism=1, period=1m", Map.of());
    sink.await(5, 10_000);
    assertEquals(List.of(5, 3), List.of(flow("slow").getInteger("rateMax"), flow("slow").getInteger("parallelismMax")),
        "a message does not change pinned limits");

    // unpin the rate only: the next message sets it, the parallelism stays pinned
    assertEquals(200, post("/v2/flowControl/slow/unpin?rate=true").statusCode());
    publish("/r5", "slow", "rate=2, parallelism=1", Map.of());
    sink.await(6, 10_000);
    JsonObject unpinned = flow("slow");
    assertEquals(List.of(2, 1, 3, false, true), List.of(unpinned.getInteger("rateMax"),
        unpinned.getInteger("ratePeriod"), unpinned.getInteger("parallelismMax"), unpinned.getBoolean("isPinnedRate"),
        unpinned.getBoolean("isPinnedParallelism")));
    assertEquals(200, post("/v2/flowControl/slow/unpin?parallelism=true&rate=false").statusCode());
    assertFalse(flow("slow").getBoolean("isPinnedParallelism"));
  }
}
