package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
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
      assertTrue(message.startsWith("this node runs shards 4, layout 3 (redis.shards), but the messages on this Redis"
          + " are stored as shards 1, layout 3"), message);
      try (TestNode same = TestNode.start(vertx, Map.of("COURIER_REDIS_KEY_PREFIX", prefix))) {
        assertTrue(same.courier().port() > 0, "a node with the same count joins");
      }
    }
  }

  /** Layout 1 kept a key per message and recorded the bare count: this code would not see those messages. */
  @Test
  void aNodeRefusesARedisWhoseMessagesAnEarlierLayoutStored(Vertx vertx) throws Exception {
    String prefix = "s" + UUID.randomUUID().toString().substring(0, 8);
    var redis = Redis.createClient(vertx, TestRedis.url());
    try {
      TestNode.get(redis.send(Request.cmd(Command.SET).arg(prefix + ":shards").arg("1")));
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> TestNode.start(vertx, Map.of("COURIER_REDIS_KEY_PREFIX", prefix)));
      String message = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
      assertTrue(message.startsWith("the messages on this Redis were stored by an earlier Courier"), message);
      TestNode.get(redis.send(Request.cmd(Command.DEL).arg(prefix + ":shards")));

      // Builds before the record wrote none: their wheel gives them away.
      TestNode.get(redis.send(Request.cmd(Command.ZADD).arg(prefix + ":{s0}:due").arg(1).arg("msg_old")));
      e = assertThrows(IllegalStateException.class, () -> TestNode.start(vertx, Map.of("COURIER_REDIS_KEY_PREFIX", prefix)));
      message = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
      assertTrue(message.startsWith("the messages on this Redis were stored by an earlier Courier"), message);
      assertEquals(0, TestNode.get(redis.send(Request.cmd(Command.EXISTS).arg(prefix + ":shards"))).toInteger(),
          "nothing recorded by the node that refused");
      TestNode.get(redis.send(Request.cmd(Command.DEL).arg(prefix + ":{s0}:due")));
    } finally {
      redis.close();
    }
  }
}
