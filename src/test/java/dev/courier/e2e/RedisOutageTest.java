package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.bootstrap.EmbeddedRedis;
import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 5 of design.md: while Redis is unreachable publish answers 503 with Retry-After and never
 * 2xx; when Redis comes back (same AOF folder) the node heals without a restart, and what was accepted
 * before the outage is still delivered.
 */
class RedisOutageTest {
  @TempDir
  Path dir;

  /** What the wheel and lease sets hold, for the failure message. */
  private static String state(EmbeddedRedis redis, String prefix) {
    try (var socket = new java.net.Socket("127.0.0.1", redis.port())) {
      var out = socket.getOutputStream();
      String due = prefix + ":{s0}:due";
      String lease = prefix + ":{s0}:lease";
      out.write(("ZCARD " + due + "\r\nZCARD " + lease + "\r\n").getBytes());
      var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream()));
      return "due=" + in.readLine() + " lease=" + in.readLine();
    } catch (Exception e) {
      return "unknown (" + e + ")";
    }
  }

  @Test
  void publishIs503WhileRedisIsDownAndHealsAfter() throws Exception {
    Vertx vertx = Vertx.vertx();
    EmbeddedRedis redis = EmbeddedRedis.start(dir);
    int port = redis.port();
    Sink sink = Sink.start(vertx);
    TestNode node = TestNode.start(vertx, Map.of("COURIER_REDIS_URL", redis.url()));
    try {
      String before = node.publish(sink.url("/before"), Map.of("Upstash-Delay", "3s"), "b".getBytes())
          .getString("messageId");
      redis.close();

      for (int i = 0; i < 5; i++) {
        HttpResponse<byte[]> r = node.send("POST", "/v2/publish/" + sink.url("/during"), Map.of(), "d".getBytes());
        assertEquals(503, r.statusCode(), new String(r.body()));
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
        assertTrue(new JsonObject(new String(r.body())).getString("error").contains("unavailable"));
      }

      redis = EmbeddedRedis.start(dir, port, true);
      EmbeddedRedis restarted = redis;
      Sink.waitFor(() -> node.send("POST", "/v2/publish/" + sink.url("/after"), Map.of(), "a".getBytes())
          .statusCode() == 200, 10_000, "publish did not recover after Redis came back (" + restarted.url() + ")");
      EmbeddedRedis current = redis;
      Sink.waitFor(() -> sink.received().size() >= 2, 15_000, "deliveries after the outage: " + sink.received().size()
          + "; redis holds " + state(current, node.prefix()));
      assertTrue(sink.received().stream().anyMatch(r -> before.equals(r.header("Upstash-Message-Id"))),
          "the message accepted before the outage was delivered");
      assertTrue(sink.received().stream().noneMatch(r -> r.uri().equals("/during")), "nothing answered 503 was stored");
    } finally {
      node.close();
      sink.close();
      redis.close();
      TestNode.get(vertx.close());
    }
  }
}
