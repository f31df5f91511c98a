package dev.courier.bootstrap;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

  /**
   * A JVM killed with SIGKILL leaves its redis-server running on the folder. The next start stops it first
   * (with SIGTERM, so it flushes its AOF): two servers appending to one AOF lose writes.
   */
  @Test
  void aServerLeftRunningOnTheFolderIsStoppedBeforeANewOneStarts(Vertx vertx, @TempDir Path dir) throws Exception {
    EmbeddedRedis left = EmbeddedRedis.start(dir, EmbeddedRedis.freePort(), true);
    left.abandon(); // never closed nor watched again: its JVM "died"
    long leftPid = pid(dir);
    Redis client = Redis.createClient(vertx, left.url());
    get(client.send(Request.cmd(Command.SET).arg("k").arg("kept")));
    get(client.close());

    try (EmbeddedRedis next = EmbeddedRedis.start(dir, EmbeddedRedis.freePort(), true)) {
      assertTrue(ProcessHandle.of(leftPid).map(h -> !h.isAlive()).orElse(true), "the leftover server was stopped");
      Redis again = Redis.createClient(vertx, next.url());
      assertEquals("kept", get(again.send(Request.cmd(Command.GET).arg("k"))).toString(), "its writes were flushed");
      get(again.close());
    }
  }

  /** A server that dies under a running node is started again on its port, with what it had stored. */
  @Test
  void aServerThatDiesIsRestartedOnItsPort(Vertx vertx, @TempDir Path dir) throws Exception {
    try (EmbeddedRedis redis = EmbeddedRedis.start(dir, EmbeddedRedis.freePort(), true)) {
      Redis client = Redis.createClient(vertx, redis.url());
      get(client.send(Request.cmd(Command.SET).arg("k").arg("v")));
      Thread.sleep(1_500); // appendfsync everysec
      get(client.close());
      long first = pid(dir);
      ProcessHandle.of(first).orElseThrow().destroyForcibly(); // SIGKILL
      long deadline = System.currentTimeMillis() + 20_000;
      String value = null;
      while (value == null && System.currentTimeMillis() < deadline) {
        try {
          Redis retry = Redis.createClient(vertx, redis.url());
          value = String.valueOf(get(retry.send(Request.cmd(Command.GET).arg("k"))));
          get(retry.close());
        } catch (RuntimeException notYet) {
          Thread.sleep(200);
        }
      }
      assertEquals("v", value, "answering again on the same port, with its data");
      assertTrue(pid(dir) != first, "a new process");
    }
  }

  @Test
  void oneNodePerDataFolder(@TempDir Path dir) throws Exception {
    try (DataDirLock first = DataDirLock.acquire(dir)) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> DataDirLock.acquire(dir));
      assertTrue(e.getMessage().startsWith("another Courier is running on the data dir"), e.getMessage());
    }
    DataDirLock.acquire(dir).close(); // free again once released
  }

  private static long pid(Path dir) throws java.io.IOException {
    return Long.parseLong(Files.readString(dir.resolve("redis").resolve("redis.pid")).trim());
  }

  private static boolean rewriting(Redis client) {
    Response info = get(client.send(Request.cmd(Command.INFO).arg("persistence")));
    return info.toString().contains("aof_rewrite_in_progress:1") || info.toString().contains("aof_rewrite_scheduled:1");
  }

  /** Where setsid exists, a terminal's Ctrl-C (SIGINT to the JVM's group) does not reach the server. */
  @Test
  void theServerRunsInASessionOfItsOwnWhereSetsidExists(@TempDir Path dir) throws Exception {
    try (EmbeddedRedis redis = EmbeddedRedis.start(dir, EmbeddedRedis.freePort(), false)) {
      long pid = Long.parseLong(Files.readString(dir.resolve("redis").resolve("redis.pid")).trim());
      String server = sessionOf(pid);
      String ours = sessionOf(ProcessHandle.current().pid());
      if (EmbeddedRedis.SETSID.isPresent()) {
        assertNotEquals(ours, server, "the server shares this JVM's session");
        assertEquals(Long.toString(pid), server, "the server leads its own session");
      } else {
        assertEquals(ours, server, "without setsid the server is started directly");
      }
    }
  }

  /** The session id of a process: field 6 of /proc/<pid>/stat (after the command in parentheses). */
  private static String sessionOf(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3];
  }
}
