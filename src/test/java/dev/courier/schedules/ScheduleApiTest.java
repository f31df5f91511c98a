package dev.courier.schedules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.MovableClock;
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
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Schedules through the HTTP API on one node, a real Redis and a real sink, by a clock the test moves (issue #19). */
class ScheduleApiTest {
  static final Instant START = Instant.parse("2030-01-01T00:00:30Z");
  static final long MINUTE = 60_000;
  private static Vertx vertx;
  private MovableClock clock;
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
    start(Map.of());
  }

  private void start(Map<String, String> env) throws Exception {
    if (node != null) {
      node.close();
    }
    clock = new MovableClock(START);
    var all = new HashMap<>(env);
    all.put("COURIER_SCHEDULES_POLL_INTERVAL_MS", "20");
    node = TestNode.start(vertx, all, clock);
    if (sink == null) {
      sink = Sink.start(vertx);
    }
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    sink.close();
  }

  static HttpResponse<byte[]> create(TestNode node, String destination, Map<String, String> headers, String body) {
    return node.send("POST", "/v2/schedules/" + destination, headers, body == null ? null : body.getBytes());
  }

  static String created(TestNode node, String destination, Map<String, String> headers, String body) {
    HttpResponse<byte[]> r = create(node, destination, headers, body);
    assertEquals(200, r.statusCode(), new String(r.body()));
    return new JsonObject(Buffer.buffer(r.body())).getString("scheduleId");
  }

  private JsonObject get(String id) {
    return node.getJson("/v2/schedules/" + id);
  }

  private static Map<String, String> headers(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static long at(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }

  @Test
  void everyFieldRoundTripsAndAnOverwriteClearsWhatItOmits() {
    var h = headers("Upstash-Cron", "*/10 * * * * ", "Upstash-Schedule-Id", "rt-1", "Upstash-Method", "PUT",
        "Upstash-Delay", "10s", "Upstash-Retries", "5", "Upstash-Retry-Delay", "pow(2, retried) * 1000",
        "Upstash-Timeout", "30s", "Upstash-Forward-Test-Header", "test-value", "Content-Type", "application/json",
        "Upstash-Callback", sink.url("/cb"), "Upstash-Failure-Callback", sink.url("/fcb"),
        "Upstash-Flow-Control-Key", "fk", "Upstash-Flow-Control-Value", "parallelism=10, rate=5, period=1d",
        "Upstash-Label", "sl");
    assertEquals("rt-1", created(node, sink.url("/rt"), h, "{\"hello\":\"world\"}"));
    JsonObject s = get("rt-1");
    assertEquals("rt-1", s.getString("scheduleId"));
    assertEquals("*/10 * * * *", s.getString("cron"), "trimmed");
    assertEquals(sink.url("/rt"), s.getString("destination"));
    assertEquals("PUT", s.getString("method"));
    assertEquals(new JsonArray().add("test-value"), s.getJsonObject("header").getJsonArray("Test-Header"));
    assertEquals(new JsonArray().add("application/json"), s.getJsonObject("header").getJsonArray("Content-Type"));
    assertEquals("{\"hello\":\"world\"}", s.getString("body"));
    assertEquals(5, s.getInteger("retries"));
    assertEquals(10, s.getInteger("delay"), "seconds");
    assertEquals(30, s.getInteger("timeout"));
    assertEquals("pow(2, retried) * 1000", s.getString("retryDelayExpression"));
    assertEquals(sink.url("/cb"), s.getString("callback"));
    assertEquals(sink.url("/fcb"), s.getString("failureCallback"));
    assertEquals("fk", s.getString("flowControlKey"));
    assertEquals(10, s.getInteger("parallelism"));
    assertEquals(5, s.getInteger("rate"));
    assertEquals(86_400, s.getInteger("period"));
    assertEquals("sl", s.getString("label"));
    assertEquals(new JsonArray().add("sl"), s.getJsonArray("labels"));
    assertEquals("127.0.0.1", s.getString("callerIp"));
    assertEquals("127.0.0.1", s.getString("callerIP"));
    assertEquals(START.toEpochMilli(), s.getLong("createdAt"));
    assertFalse(s.getBoolean("isPaused"));
    assertEquals(at("2030-01-01T00:10:00Z"), s.getLong("nextScheduleTime"));
    assertFalse(s.containsKey("lastScheduleTime"));

    assertEquals("rt-1", created(node, sink.url("/rt2"), headers("Upstash-Cron", "0 * * * *",
        "Upstash-Schedule-Id", "rt-1"), null));
    JsonObject o = get("rt-1");
    assertEquals("0 * * * *", o.getString("cron"));
    assertEquals(sink.url("/rt2"), o.getString("destination"));
    assertEquals("POST", o.getString("method"));
    assertEquals(3, o.getInteger("retries"), "the default");
    for (String cleared : List.of("body", "delay", "callback", "failureCallback", "flowControlKey", "parallelism",
        "rate", "period", "label", "labels", "retryDelayExpression", "queueName")) {
      assertFalse(o.containsKey(cleared), cleared + " is cleared: " + o);
    }
    assertFalse(o.getJsonObject("header").containsKey("Test-Header"));
    JsonArray all = new JsonArray(Buffer.buffer(node.send("GET", "/v2/schedules", Map.of(), null).body()));
    assertEquals(1, all.size(), "one entry after the overwrite");
  }

  @Test
  void aQueueAndARedactedBodyRoundTrip() {
    String id = created(node, sink.url("/q"), headers("Upstash-Cron", "0 0 * * *", "Upstash-Queue-Name", "sq",
        "Upstash-Redact-Fields", "body"), "secret");
    JsonObject s = get(id);
    assertEquals("sq", s.getString("queueName"));
    assertTrue(s.getString("body").startsWith("REDACTED:"), s.encode());
    assertTrue(id.startsWith("scd_"), id);
  }

  @Test
  void cronTzSelectsTheZone() {
    String id = created(node, sink.url("/tz"), headers("Upstash-Cron", " CRON_TZ=America/New_York 0 4 * * * "), null);
    JsonObject s = get(id);
    assertEquals("CRON_TZ=America/New_York 0 4 * * *", s.getString("cron"));
    assertEquals(at("2030-01-01T09:00:00Z"), s.getLong("nextScheduleTime"), "04:00 EST");
  }

  @Test
  void aFireDeliversASignedMessageCarryingTheSchedule() {
    String id = created(node, sink.url("/fire"), headers("Upstash-Cron", "* * * * *", "Upstash-Method", "PUT",
        "Upstash-Forward-X-Custom", "v", "Upstash-Label", "nightly"), "payload");
    clock.advance(30_000);
    Received r = sink.await(1, 10_000).get(0);
    assertEquals("PUT", r.method());
    assertEquals("/fire", r.uri());
    assertEquals("payload", new String(r.body(), StandardCharsets.UTF_8));
    assertEquals("v", r.header("X-Custom"));
    assertEquals(id, r.header("Upstash-Schedule-Id"));
    new TestReceiver(TestNode.CURRENT_KEY, TestNode.NEXT_KEY).verify(r.header("Upstash-Signature"), r.body(),
        sink.url("/fire"));
    Sink.waitFor(() -> "SUCCESS".equals(onlyState(get(id))), 10_000, "the fire's state becomes SUCCESS");
    JsonObject s = get(id);
    assertEquals(at("2030-01-01T00:01:00Z"), s.getLong("lastScheduleTime"));
    assertEquals(at("2030-01-01T00:02:00Z"), s.getLong("nextScheduleTime"));
    assertEquals(r.header("Upstash-Message-Id"), s.getJsonObject("lastScheduleStates").fieldNames().iterator().next());
    String metrics = new String(node.send("GET", "/metrics", Map.of(), null).body(), StandardCharsets.UTF_8);
    assertTrue(metrics.contains("courier_schedule_fires_total{result=\"published\"} 1.0"), "the fire is counted");
  }

  private static String onlyState(JsonObject schedule) {
    JsonObject states = schedule.getJsonObject("lastScheduleStates");
    return states == null || states.size() != 1 ? null : (String) states.getValue(states.fieldNames().iterator().next());
  }

  @Test
  void aFiredMessageShowsItsScheduleIdAndQueue() {
    node.send("POST", "/v2/queues", Map.of("Content-Type", "application/json"),
        "{\"queueName\":\"held\",\"paused\":true}".getBytes());
    String id = created(node, sink.url("/held"), headers("Upstash-Cron", "* * * * *", "Upstash-Queue-Name", "held"),
        "b");
    clock.advance(30_000);
    Sink.waitFor(() -> "IN_PROGRESS".equals(onlyState(get(id))), 10_000, "the fire's message is pending");
    String messageId = get(id).getJsonObject("lastScheduleStates").fieldNames().iterator().next();
    JsonObject m = node.getJson("/v2/messages/" + messageId);
    assertEquals(id, m.getString("scheduleId"));
    assertEquals("held", m.getString("queueName"));
    assertEquals(sink.url("/held"), m.getString("url"));
  }

  @Test
  void aUrlGroupDestinationFansOut() {
    HttpResponse<byte[]> g = node.send("POST", "/v2/topics/sg/endpoints", Map.of("Content-Type", "application/json"),
        new JsonObject().put("endpoints", new JsonArray().add(new JsonObject().put("url", sink.url("/e1")))
            .add(new JsonObject().put("url", sink.url("/e2")))).encode().getBytes());
    assertEquals(200, g.statusCode(), new String(g.body()));
    String id = created(node, "sg", headers("Upstash-Cron", "* * * * *"), "fan");
    clock.advance(30_000);
    List<Received> got = sink.await(2, 10_000);
    assertEquals(List.of("/e1", "/e2"), got.stream().map(Received::uri).sorted().toList());
    for (Received r : got) {
      assertEquals(id, r.header("Upstash-Schedule-Id"));
      assertEquals("sg", r.header("Upstash-Topic-Name"));
    }
  }

  @Test
  void aFailedFireIsInTheDlqUnderItsScheduleId() {
    sink.respond(r -> Reply.status(500));
    String id = created(node, sink.url("/fail"), headers("Upstash-Cron", "* * * * *", "Upstash-Retries", "0"), "x");
    clock.advance(30_000);
    Sink.waitFor(() -> node.deadLetters().size() == 1, 10_000, "the fire is dead-lettered");
    JsonArray mine = node.getJson("/v2/dlq?scheduleId=" + id).getJsonArray("messages");
    assertEquals(1, mine.size());
    assertEquals(id, mine.getJsonObject(0).getString("scheduleId"));
    assertEquals(0, node.getJson("/v2/dlq?scheduleId=other").getJsonArray("messages").size());
    Sink.waitFor(() -> "FAIL".equals(onlyState(get(id))), 10_000, "the fire's state is FAIL");
  }

  @Test
  void pauseAndResumeByPatchAndByPost() {
    String paused = created(node, sink.url("/paused"), headers("Upstash-Cron", "* * * * *"), null);
    String sentinel = created(node, sink.url("/sentinel"), headers("Upstash-Cron", "* * * * *"), null);
    assertEquals(200, node.send("PATCH", "/v2/schedules/" + paused + "/pause", Map.of(), null).statusCode());
    JsonObject s = get(paused);
    assertTrue(s.getBoolean("isPaused"));
    assertFalse(s.containsKey("nextScheduleTime"));
    clock.advance(30_000);
    sink.await(1, 10_000);
    Sink.waitFor(() -> get(sentinel).containsKey("lastScheduleStates"), 10_000, "the sentinel's fire is recorded");
    assertEquals(List.of("/sentinel"), sink.received().stream().map(Received::uri).toList(), "the paused one did not fire");

    assertEquals(200, node.send("POST", "/v2/schedules/" + paused + "/resume", Map.of(), null).statusCode());
    s = get(paused);
    assertFalse(s.getBoolean("isPaused"));
    assertEquals(at("2030-01-01T00:02:00Z"), s.getLong("nextScheduleTime"), "the tick missed while paused is skipped");
    assertEquals(200, node.send("POST", "/v2/schedules/" + paused + "/pause", Map.of(), null).statusCode());
    assertTrue(get(paused).getBoolean("isPaused"));
    assertEquals(200, node.send("PATCH", "/v2/schedules/" + paused + "/resume", Map.of(), null).statusCode());
    clock.advance(MINUTE);
    Sink.waitFor(() -> sink.received().stream().anyMatch(r -> r.uri().equals("/paused")), 10_000, "resumed: it fires");
    assertEquals(404, node.send("PATCH", "/v2/schedules/nope/pause", Map.of(), null).statusCode());
    assertEquals(404, node.send("POST", "/v2/schedules/nope/resume", Map.of(), null).statusCode());
  }

  @Test
  void aDeletedScheduleIsGoneAndDoesNotFire() {
    String gone = created(node, sink.url("/gone"), headers("Upstash-Cron", "* * * * *"), null);
    String sentinel = created(node, sink.url("/sentinel"), headers("Upstash-Cron", "* * * * *"), null);
    assertEquals(200, node.send("DELETE", "/v2/schedules/" + gone, Map.of(), null).statusCode());
    assertEquals(404, node.send("GET", "/v2/schedules/" + gone, Map.of(), null).statusCode());
    assertEquals(404, node.send("DELETE", "/v2/schedules/" + gone, Map.of(), null).statusCode());
    clock.advance(30_000);
    sink.await(1, 10_000);
    Sink.waitFor(() -> get(sentinel).containsKey("lastScheduleStates"), 10_000, "the sentinel's fire is recorded");
    assertEquals(List.of("/sentinel"), sink.received().stream().map(Received::uri).toList());
  }

  @Test
  void badInputIsRefusedNamingTheProblem() {
    assertError(400, "Upstash-Cron is required", create(node, sink.url("/x"), Map.of(), null));
    assertError(400, "invalid Upstash-Cron", create(node, sink.url("/x"), headers("Upstash-Cron", "61 * * * *"), null));
    assertError(400, "unknown time zone 'Nowhere/City'", create(node, sink.url("/x"),
        headers("Upstash-Cron", "CRON_TZ=Nowhere/City * * * * *"), null));
    assertError(400, "invalid Upstash-Schedule-Id", create(node, sink.url("/x"),
        headers("Upstash-Cron", "* * * * *", "Upstash-Schedule-Id", "a/b"), null));
    assertError(400, "invalid scheme", create(node, "ftp://example.com/x", headers("Upstash-Cron", "* * * * *"), null));
    assertError(400, "invalid Upstash-Retries", create(node, sink.url("/x"),
        headers("Upstash-Cron", "* * * * *", "Upstash-Retries", "many"), null));
    for (String refused : List.of("Upstash-Deduplication-Id", "Upstash-Not-Before",
        "Upstash-Content-Based-Deduplication")) {
      assertError(400, refused + " is not supported on a schedule", create(node, sink.url("/x"),
          headers("Upstash-Cron", "* * * * *", refused, "1"), null));
    }
    assertError(400, "Upstash-Deduplication-Id", create(node, sink.url("/x") + "?upstash-deduplication-id=d",
        headers("Upstash-Cron", "* * * * *"), null));
    assertError(404, "schedule nope not found", node.send("GET", "/v2/schedules/nope", Map.of(), null));
    assertEquals(0, new JsonArray(Buffer.buffer(node.send("GET", "/v2/schedules", Map.of(), null).body())).size(),
        "nothing was stored");
  }

  @Test
  void theNumberOfSchedulesIsBounded() throws Exception {
    start(Map.of("COURIER_SCHEDULES_MAX_SCHEDULES", "2"));
    created(node, sink.url("/a"), headers("Upstash-Cron", "* * * * *", "Upstash-Schedule-Id", "a"), null);
    created(node, sink.url("/b"), headers("Upstash-Cron", "* * * * *", "Upstash-Schedule-Id", "b"), null);
    assertError(412, "schedules.max-schedules", create(node, sink.url("/c"), headers("Upstash-Cron", "* * * * *"), null));
    created(node, sink.url("/a2"), headers("Upstash-Cron", "* * * * *", "Upstash-Schedule-Id", "a"), null);
    assertEquals(sink.url("/a2"), get("a").getString("destination"), "replacing one is no new schedule");
  }

  @Test
  void scheduleOptionsMayComeAsQueryParameters() {
    String id = created(node, sink.url("/wh") + "?keep=1&upstash-cron=" + URLEncoder.encode("* * * * *",
        StandardCharsets.UTF_8) + "&upstash-schedule-id=wh-1&upstash-retries=1", Map.of(), null);
    assertEquals("wh-1", id);
    JsonObject s = get(id);
    assertEquals("* * * * *", s.getString("cron"));
    assertEquals(1, s.getInteger("retries"));
    assertEquals(sink.url("/wh?keep=1"), s.getString("destination"));
    clock.advance(30_000);
    Received r = sink.await(1, 10_000).get(0);
    assertEquals("/wh?keep=1", r.uri());
    assertEquals(id, r.header("Upstash-Schedule-Id"));
  }

  @Test
  void theTokenInTheQueryIsNotStored() {
    String id = created(node, sink.url("/t") + "?x=1&qstash_token=" + URLEncoder.encode(TestNode.TOKEN,
        StandardCharsets.UTF_8), headers("Upstash-Cron", "* * * * *"), null);
    assertFalse(get(id).encode().contains(TestNode.TOKEN));
    Redis redis = Redis.createClient(vertx, TestRedis.url());
    try {
      var stored = TestNode.get(redis.send(Request.cmd(Command.HGETALL).arg(node.prefix() + ":{schedules}:schedule:"
          + id)));
      assertTrue(stored.toString().contains("x=1"), "the schedule is stored: " + stored);
      assertFalse(stored.toString().contains(TestNode.TOKEN), "the token is not stored");
    } finally {
      redis.close();
    }
    clock.advance(30_000);
    assertEquals("/t?x=1", sink.await(1, 10_000).get(0).uri());
  }

  static void assertError(int status, String contains, HttpResponse<byte[]> r) {
    String body = new String(r.body(), StandardCharsets.UTF_8);
    assertEquals(status, r.statusCode(), body);
    assertTrue(body.contains(contains), "expected '" + contains + "' in " + body);
  }
}
