package dev.courier.bootstrap;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded Redis keeps what it acknowledged across a restart, also after it rewrote its AOF (the
 * rewrite's base is written uncompressed: {@code rdbcompression no}) and with more written after the
 * rewrite.
 */
@ExtendWith(VertxExtension.class)
class EmbeddedRedisTest {

  @Test
  void whatItStoredSurvivesAnAofRewriteAndARestart(Vertx vertx, @TempDir Path dir) throws Exception {
    int port = EmbeddedRedis.freePort();
    String body = "{\"payload\":\"" + "x".repeat(500) + "\"}"; // compressible: LZF would have shrunk it
    try (EmbeddedRedis redis = EmbeddedRedis.start(dir, port, true)) {
      Redis client = Redis.createClient(vertx, redis.url());
      for (int i = 0; i < 100; i++) {
        get(client.send(Request.cmd(Command.HSET).arg("m:" + i).arg("m").arg(body + i).arg("r").arg(0)));
      }
      Response config = get(client.send(Request.cmd(Command.CONFIG).arg("GET").arg("rdbcompression")));
      assertEquals("no", config.get("rdbcompression").toString()); // RESP3: a map
      get(client.send(Request.cmd(Command.BGREWRITEAOF)));
      for (int i = 0; i < 100 && rewriting(client); i++) {
        Thread.sleep(50);
      }
      assertTrue(!rewriting(client), "the AOF rewrite finished");
      get(client.send(Request.cmd(Command.HSET).arg("after").arg("m").arg("written after the rewrite")));
      // appendfsync everysec: wait for the fsync before stopping (a SIGKILL test lives in CrashRecoveryTest)
      Thread.sleep(1_500);
      get(client.close());
    }
    assertTrue(Files.size(dir.resolve("redis").resolve("appendonly.aof")) > 100 * 500, "the base is not compressed");

    try (EmbeddedRedis again = EmbeddedRedis.start(dir, port, true)) {
      Redis client = Redis.createClient(vertx, again.url());
      assertEquals(101L, get(client.send(Request.cmd(Command.DBSIZE))).toLong());
      assertEquals(body + 42, get(client.send(Request.cmd(Command.HGET).arg("m:42").arg("m"))).toString());
      assertEquals("written after the rewrite",
          get(client.send(Request.cmd(Command.HGET).arg("after").arg("m"))).toString());
      get(client.close());
    }
  }

  private static boolean rewriting(Redis client) {
    Response info = get(client.send(Request.cmd(Command.INFO).arg("persistence")));
    return info.toString().contains("aof_rewrite_in_progress:1") || info.toString().contains("aof_rewrite_scheduled:1");
  }
}
