package dev.courier.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.redis.Keys;
import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Upgrade from storage layout 2 (issue #15): the keys a layout-2 deployment held, written by the layout-2
 * code itself ({@link Layout2FixtureWriter}, kept in {@code src/test/resources/upgrade/}), restored into
 * Redis as they were; a node of this version migrates them at start, and every message is then delivered,
 * read, cancelled or dead-lettered as before, none lost, none twice.
 */
class UpgradeFromLayout2Test {
  private Vertx vertx;
  private Redis redis;
  private Sink sink;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, TestRedis.url());
    sink = Sink.start(vertx, Layout2FixtureWriter.SINK_PORT); // where the stored destinations point
  }

  @AfterEach
  void stop() throws Exception {
    sink.close();
    redis.close();
    TestNode.get(vertx.close());
  }

  private Response cmd(Request r) {
    return TestNode.get(redis.send(r));
  }

  /**
   * Restores the fixture under {@code prefix}. Its timers are moved to this test's time, as if the upgrade
   * ran 25 s after the data was written (the delayed message and the retry are due, the 30-day delays are
   * not), and the leased message's node died: its lease has expired.
   */
  private JsonObject restore(int shards, String prefix) throws Exception {
    JsonObject fixture;
    try (InputStream in = getClass().getResourceAsStream("/upgrade/layout2-shards" + shards + ".json")) {
      fixture = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    long shift = System.currentTimeMillis() - fixture.getLong("writtenAt") - 25_000;
    for (String suffix : fixture.getJsonObject("keys").fieldNames()) {
      JsonObject k = fixture.getJsonObject("keys").getJsonObject(suffix);
      String key = prefix + suffix;
      long ttl = k.getLong("pttl") > 0 ? 600_000 : 0;
      cmd(Request.cmd(Command.RESTORE).arg(key).arg(ttl).arg(Base64.getDecoder().decode(k.getString("dump"))));
      if (suffix.endsWith(":due") || suffix.endsWith(":lease")) {
        Response members = cmd(Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(-1).arg("WITHSCORES"));
        for (int i = 0; i < members.size(); ) {
          String member;
          double score;
          if (members.get(i).type() == io.vertx.redis.client.ResponseType.MULTI) {
            member = members.get(i).get(0).toString();
            score = members.get(i).get(1).toDouble();
            i++;
          } else {
            member = members.get(i).toString();
            score = members.get(i + 1).toDouble();
            i += 2;
          }
          long moved = suffix.endsWith(":lease") ? System.currentTimeMillis() - 1 : (long) score + shift;
          cmd(Request.cmd(Command.ZADD).arg(key).arg(moved).arg(member));
        }
      }
    }
    return fixture;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aLayout2DataSetIsMigratedAndEveryMessageCarriesOn(int shards) throws Exception {
    String prefix = "up" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject fixture = restore(shards, prefix);
    JsonObject ids = fixture.getJsonObject("ids");
    assertEquals("shards " + shards + ", layout 2", cmd(Request.cmd(Command.GET).arg(prefix + ":shards")).toString());
    Map<String, String> env = Map.of("COURIER_REDIS_KEY_PREFIX", prefix, "COURIER_REDIS_SHARDS", Integer.toString(shards));

    TestNode node = TestNode.start(vertx, env);
    try {
      assertEquals("shards " + shards + ", layout " + Keys.LAYOUT,
          cmd(Request.cmd(Command.GET).arg(prefix + ":shards")).toString(), "migrated");
      // The delayed message, the retry and the dead node's leased message are delivered, once each.
      sink.await(3, 20_000);
      Map<String, Sink.Received> byPath = new java.util.HashMap<>();
      sink.received().forEach(r -> byPath.put(r.uri(), r));
      assertEquals(ids.getString("due"), byPath.get("/due").header("Upstash-Message-Id"));
      assertEquals("due body", new String(byPath.get("/due").body(), StandardCharsets.UTF_8));
      assertEquals(ids.getString("retry"), byPath.get("/fail/retry").header("Upstash-Message-Id"));
      assertEquals("1", byPath.get("/fail/retry").header("Upstash-Retried"), "its failed attempt counted");
      assertEquals(ids.getString("leased"), byPath.get("/hang").header("Upstash-Message-Id"));
      assertEquals("1", byPath.get("/hang").header("Upstash-Retried"), "the dead node's attempt counted");

      // A pending message is read by its layout-2 id, with everything it was published with.
      JsonObject pending = node.getJson("/v2/messages/" + ids.getString("pending"));
      assertEquals(sink.url("/pending"), pending.getString("url"));
      assertEquals("pending body", pending.getString("body"));
      assertEquals(new JsonArray().add("yes"), pending.getJsonObject("header").getJsonArray("X-Kept"));
      // The dedup windows they were published in still hold, wherever layout 2 had put their keys.
      for (int d = 1; d <= 6; d++) {
        var dup = node.send("POST", "/v2/publish/" + sink.url("/dedup"), Map.of("Upstash-Deduplication-Id", "up-" + d,
            "Upstash-Delay", "30d"), "d".getBytes());
        assertEquals(202, dup.statusCode(), "up-" + d);
        assertEquals(ids.getString(d == 1 ? "dedup" : "dedup" + d),
            new JsonObject(new String(dup.body())).getString("messageId"));
      }
      // The dead letter is listed, read by its layout-2 id, and deleted.
      JsonArray letters = node.deadLetters();
      assertEquals(1, letters.size());
      JsonObject dead = letters.getJsonObject(0);
      assertEquals(ids.getString("dead"), dead.getString("messageId"));
      assertEquals(500, dead.getInteger("responseStatus"));
      assertEquals(ids.getString("dead"), node.getJson("/v2/dlq/" + dead.getString("dlqId")).getString("messageId"));
      // Cancelled by its layout-2 id.
      assertEquals(200, node.send("DELETE", "/v2/messages/" + ids.getString("pending"), Map.of(), null).statusCode());
      assertEquals(404, node.send("GET", "/v2/messages/" + ids.getString("pending"), Map.of(), null).statusCode());
      // New messages, queued ones too, go beside the old ones.
      node.publish(sink.url("/new"), Map.of(), "n".getBytes());
      assertEquals(200, node.send("POST", "/v2/enqueue/q/" + sink.url("/queued"), Map.of(), "q".getBytes())
          .statusCode());
      sink.await(5, 10_000);
      assertEquals(200, node.send("DELETE", "/v2/dlq/" + dead.getString("dlqId"), Map.of(), null).statusCode());
    } finally {
      node.close();
    }

    // A second start migrates nothing more and delivers nothing twice.
    TestNode again = TestNode.start(vertx, env);
    try {
      assertEquals(200, again.send("GET", "/v2/messages/" + ids.getString("dedup"), Map.of(), null).statusCode(),
          "the 30-day message is still there");
      Thread.sleep(1_500); // a reaper round and many wheel ticks: the window in which a repeat would show
      List<String> paths = sink.received().stream().map(Sink.Received::uri).sorted().toList();
      assertEquals(List.of("/due", "/fail/retry", "/hang", "/new", "/queued"), paths, "each delivered once");
      assertTrue(again.deadLetters().isEmpty());
    } finally {
      again.close();
    }
  }
}
