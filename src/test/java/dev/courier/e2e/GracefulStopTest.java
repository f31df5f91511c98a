package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.bootstrap.EmbeddedRedis;
import dev.courier.support.ChildNode;
import dev.courier.support.Sink;
import dev.courier.support.Sink.Reply;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on a node with its embedded Redis: the node finishes the attempt it holds and writes its outcome,
 * then stops Redis, and leaves no redis-server behind. The embedded-redis library's own shutdown hook used to
 * stop Redis first: the outcome was lost (the message went out again once its lease expired) and the
 * watcher started a Redis that nobody stopped.
 */
class GracefulStopTest {
  @Test
  void aStoppedNodeWritesTheOutcomeOfItsAttemptBeforeItsRedisStops(@TempDir Path data) throws Exception {
    Vertx vertx = Vertx.vertx();
    Sink sink = Sink.start(vertx);
    sink.respond(r -> new Reply(200, Map.of(), "", 2_000)); // still in flight when the node is told to stop
    Map<String, String> env = new HashMap<>(TestNode.env("", "stop"));
    env.remove("COURIER_REDIS_URL"); // the embedded default
    env.put("COURIER_DATA_DIR", data.toString());
    Process child = ChildNode.start(env);
    try {
      String base = ChildNode.awaitListening(child);
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(base + "/v2/publish/" + sink.url("/slow")))
              .header("Authorization", "Bearer " + TestNode.TOKEN).header("Upstash-Timeout", "20s")
              .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      sink.await(1, 10_000);
      long redisPid = Long.parseLong(Files.readString(data.resolve("redis").resolve("redis.pid")).trim());

      child.destroy(); // SIGTERM
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the node did not stop");
      assertFalse(ProcessHandle.of(redisPid).map(ProcessHandle::isAlive).orElse(false), "its redis-server runs on");
      assertFalse(Files.exists(data.resolve("redis").resolve("redis.pid"))
          && ProcessHandle.of(Long.parseLong(Files.readString(data.resolve("redis").resolve("redis.pid")).trim()))
              .map(ProcessHandle::isAlive).orElse(false), "a restarted redis-server runs on");

      // The AOF holds the outcome: the message is gone, not leased to come back.
      try (EmbeddedRedis redis = EmbeddedRedis.start(data, EmbeddedRedis.freePort(), true)) {
        Redis client = Redis.createClient(vertx, redis.url());
        try {
          assertEquals(0, TestNode.get(client.send(Request.cmd(Command.EXISTS).arg("stop:{s0}:msgs")
              .arg("stop:{s0}:lease").arg("stop:{s0}:due"))).toInteger(), "the delivered message was not acknowledged");
        } finally {
          client.close();
        }
      }
      assertEquals(1, sink.received().size());
    } finally {
      child.destroyForcibly();
      sink.close();
      TestNode.get(vertx.close());
    }
  }
}
