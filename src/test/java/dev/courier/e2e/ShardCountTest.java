package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Nodes on one Redis share one shard count. A node started with another count saw only part of the
 * messages the others stored (404 through its API) and, alone, never claimed the rest.
 */
@ExtendWith(VertxExtension.class)
class ShardCountTest {
  @Test
  void aNodeWithAnotherShardCountRefusesToStart(Vertx vertx) throws Exception {
    String prefix = "s" + UUID.randomUUID().toString().substring(0, 8);
    try (TestNode first = TestNode.start(vertx, Map.of("COURIER_REDIS_KEY_PREFIX", prefix))) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> TestNode.start(vertx, Map.of("COURIER_REDIS_KEY_PREFIX", prefix, "COURIER_REDIS_SHARDS", "4")));
      String message = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
      assertTrue(message.startsWith("redis.shards is 4 on this node, but the messages on this Redis are spread over 1"),
          message);
      try (TestNode same = TestNode.start(vertx, Map.of("COURIER_REDIS_KEY_PREFIX", prefix))) {
        assertTrue(same.courier().port() > 0, "a node with the same count joins");
      }
    }
  }
}
