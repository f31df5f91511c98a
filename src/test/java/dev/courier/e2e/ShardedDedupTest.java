package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Invariant 3 of design.md with several shards: a deduplicated message's shard is that of its dedup scope, so
 * every publish with one deduplication id meets the first one in the same store script. (With the shard drawn
 * from a random id, as storage layout 2 did, three of four repeats went to another shard and were stored
 * again.)
 */
class ShardedDedupTest {
  @Test
  void repeatsOfADeduplicationIdAreCaughtWhateverTheShardCount() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestNode node = TestNode.start(vertx, Map.of("COURIER_REDIS_SHARDS", "4"))) {
      for (int i = 0; i < 20; i++) {
        Map<String, String> headers = Map.of("Upstash-Deduplication-Id", "order-" + i, "Upstash-Delay", "1h");
        String first = node.publish("https://example.com/hook", headers, "x".getBytes()).getString("messageId");
        for (int repeat = 0; repeat < 3; repeat++) {
          HttpResponse<byte[]> r = node.send("POST", "/v2/publish/https://example.com/hook", headers, "x".getBytes());
          assertEquals(202, r.statusCode(), "repeat " + repeat + " of order-" + i);
          assertEquals(first, new JsonObject(new String(r.body())).getString("messageId"));
        }
      }
    } finally {
      TestNode.get(vertx.close());
    }
  }
}
