package dev.courier.redis;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One batch per shard and turn: a command that fails takes down its own shard's batch, not another's. */
@ExtendWith(VertxExtension.class)
class RedisConnectorTest {
  @Test
  void aFailingCommandFailsOnlyItsOwnShardsBatch(Vertx vertx) {
    RedisConnector redis = new RedisConnector(vertx, TestRedis.url());
    String key = "rc" + UUID.randomUUID();
    try {
      // Sent from the reply's callback, which runs on the connector's own event loop: one turn, so the
      // three commands leave together, one batch per shard.
      @SuppressWarnings("unchecked")
      Future<Future<Response>[]> sent = redis.send(Request.cmd(Command.SET).arg(key).arg("a string"))
          .map(ok -> (Future<Response>[]) new Future[] {
              redis.send(0, Request.cmd(Command.GET).arg(key)),
              redis.send(1, Request.cmd(Command.LPUSH).arg(key).arg("x")), // WRONGTYPE
              redis.send(2, Request.cmd(Command.STRLEN).arg(key))});
      Future<Response>[] f = get(sent);
      assertEquals("a string", get(f[0]).toString(), "shard 0's batch is unharmed");
      Throwable failed = get(f[1].map(r -> (Throwable) null).otherwise(err -> err));
      assertTrue(failed != null && failed.getMessage().contains("WRONGTYPE"), String.valueOf(failed));
      assertEquals(8, get(f[2]).toInteger(), "and so is shard 2's");
    } finally {
      get(redis.send(Request.cmd(Command.DEL).arg(key)));
      get(redis.close());
    }
  }
}
