package dev.courier.upgrade;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/**
 * Wrote {@code src/test/resources/upgrade/layout2-shards{1,4}.json} with the storage-layout-2 code (commit
 * 933d1a6): the keys a layout-2 deployment held, as DUMP payloads. A tool, not a test: run by hand, from the
 * project's root, on a checkout of the code whose data it is to record (it was then a JUnit method run with
 * {@code mvn test -Dtest=Layout2FixtureWriter -Dfixture.write=true}):
 * {@code mvn test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.courier.upgrade.Layout2FixtureWriter}.
 */
public final class Layout2FixtureWriter {
  static final int SINK_PORT = 38971;

  private Layout2FixtureWriter() {}

  public static void main(String[] args) throws Exception {
    for (int shards : new int[] {1, 4}) {
      Vertx vertx = Vertx.vertx();
      Sink sink = Sink.start(vertx, SINK_PORT);
      sink.respond(r -> r.uri().contains("hang") ? new Sink.Reply(200, Map.of(), "", 3_600_000)
          : r.uri().contains("fail") ? Sink.Reply.status(500) : Sink.Reply.ok());
      TestNode node = TestNode.start(vertx, Map.of("COURIER_REDIS_SHARDS", Integer.toString(shards),
          "COURIER_REDIS_KEY_PREFIX", "up2s" + shards + "x" + System.nanoTime() % 100000));
      JsonObject ids = new JsonObject();
      ids.put("pending", node.publish(sink.url("/pending"), Map.of("Upstash-Delay", "30d",
          "Upstash-Forward-X-Kept", "yes", "Content-Type", "text/plain"), "pending body".getBytes()).getString("messageId"));
      ids.put("dedup", node.publish(sink.url("/dedup"), Map.of("Upstash-Delay", "30d",
          "Upstash-Deduplication-Id", "up-1"), "d".getBytes()).getString("messageId"));
      // More dedup ids: layout 2 kept each dedup key in the shard of its message's random id, which layout 3
      // moves to the shard of the dedup scope (with 4 shards, most of these are in another one).
      for (int d = 2; d <= 6; d++) {
        ids.put("dedup" + d, node.publish(sink.url("/dedup"), Map.of("Upstash-Delay", "30d",
            "Upstash-Deduplication-Id", "up-" + d), "d".getBytes()).getString("messageId"));
      }
      ids.put("due", node.publish(sink.url("/due"), Map.of("Upstash-Delay", "20s"), "due body".getBytes())
          .getString("messageId"));
      ids.put("retry", node.publish(sink.url("/fail/retry"), Map.of("Upstash-Retries", "3",
          "Upstash-Retry-Delay", "20000"), "retry body".getBytes()).getString("messageId"));
      ids.put("dead", node.publish(sink.url("/fail/dead"), Map.of("Upstash-Retries", "0"), "dead body".getBytes())
          .getString("messageId"));
      ids.put("leased", node.publish(sink.url("/hang"), Map.of("Upstash-Timeout", "1h", "Upstash-Retries", "2"),
          "leased body".getBytes()).getString("messageId"));
      Sink.waitFor(() -> sink.received().size() >= 3, 10_000, "retry, dead and leased attempts");
      Sink.waitFor(() -> node.deadLetters().size() == 1, 10_000, "the dead letter");
      // Dumped while the node runs, as if it were killed now: the hanging attempt's lease is in the data.
      long writtenAt = System.currentTimeMillis();
      Vertx v2 = Vertx.vertx();
      Redis redis = Redis.createClient(v2, TestRedis.url());
      JsonObject keys = new JsonObject();
      String cursor = "0";
      do {
        Response r = TestNode.get(redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH")
            .arg(node.prefix() + ":*").arg("COUNT").arg(1000)));
        cursor = r.get(0).toString();
        for (Response key : r.get(1)) {
          Response dump = TestNode.get(redis.send(Request.cmd(Command.DUMP).arg(key.toString())));
          Response ttl = TestNode.get(redis.send(Request.cmd(Command.PTTL).arg(key.toString())));
          keys.put(key.toString().substring(node.prefix().length()), new JsonObject()
              .put("dump", Base64.getEncoder().encodeToString(dump.toBytes())).put("pttl", ttl.toLong()));
        }
      } while (!"0".equals(cursor));
      JsonObject out = new JsonObject().put("writtenBy", "storage layout 2, commit 933d1a6")
          .put("shards", shards).put("writtenAt", writtenAt).put("sinkPort", SINK_PORT).put("ids", ids)
          .put("keys", keys);
      Files.writeString(Path.of("src/test/resources/upgrade/layout2-shards" + shards + ".json"), out.encodePrettily());
      v2.close();
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }
}
