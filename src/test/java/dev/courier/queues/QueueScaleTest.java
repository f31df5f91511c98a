package dev.courier.queues;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.ingest.IngestService;
import dev.courier.model.Gates;
import dev.courier.model.MessageCodec;
import dev.courier.model.StoredMessage;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Queues at scale (issue #15): a queue of 100 000 messages starves no other queue, and a paused one costs the
 * claim nothing per tick. The big queues are stored with the store script itself, a thousand messages a call
 * (100 000 HTTP publishes would be most of the test's time), then a real node claims and delivers.
 */
class QueueScaleTest {
  private static final int BIG = 100_000;
  private Vertx vertx;
  private TestNode node;
  private Sink sink;
  private RedisConnector redis;
  private ScriptRunner scripts;
  private Keys keys;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    sink = Sink.start(vertx);
    redis = new RedisConnector(vertx, TestRedis.url());
    scripts = new ScriptRunner(redis);
    TestNode.get(scripts.loadAll());
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    TestNode.get(redis.close());
    sink.close();
    TestNode.get(vertx.close());
  }

  private void startNode(int shards) throws Exception {
    // The metrics sampler reads every gate (one SCARD each) once per sample, at the start and then hourly here: per
    // sample, not per tick, and outside the windows these tests count commands in.
    node = TestNode.start(vertx, Map.of("COURIER_REDIS_SHARDS", Integer.toString(shards),
        "COURIER_METRICS_SAMPLE_INTERVAL", "1h"));
    keys = new Keys(node.prefix(), shards);
  }

  /** Enqueues {@code n} immediate messages to {@code queue}, through the store script, a thousand a call. */
  private void fill(String queue, int n, String path) {
    String gate = Gates.queue(queue);
    int shard = keys.shardOfGate(gate);
    long now = System.currentTimeMillis();
    for (int from = 0; from < n; from += 1000) {
      List<Object> args = new ArrayList<>(List.of(keys.dedupPrefix(shard), 60_000L, 0L, keys.gatePrefix(shard), now));
      for (int i = from; i < Math.min(n, from + 1000); i++) {
        StoredMessage m = new StoredMessage(sink.url(path + i), "POST", "", 3, null, 5_000, now, now, null, List.of(),
            Buffer.buffer("x"), queue);
        args.addAll(List.of(Keys.messageId(shard), now, "", MessageCodec.encode(m), gate, ""));
      }
      TestNode.get(scripts.run(LuaScript.STORE_MESSAGES, IngestService.storeKeys(keys, shard), args));
    }
  }

  private void upsert(String queue, String json) {
    assertEquals(200, node.send("POST", "/v2/queues", Map.of("Content-Type", "application/json"),
        json.getBytes(StandardCharsets.UTF_8)).statusCode());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aThousandSmallQueuesAreServedWhileOneHoldsAHundredThousand(int shards) throws Exception {
    startNode(shards);
    Set<String> small = ConcurrentHashMap.newKeySet();
    int[] big = {0};
    sink.respond(r -> {
      if (r.uri().startsWith("/small/")) {
        small.add(r.uri());
      } else {
        synchronized (big) {
          big[0]++;
        }
      }
      return Sink.Reply.ok();
    });
    upsert("big", "{\"queueName\":\"big\",\"parallelism\":1000,\"paused\":true}"); // could fill every claim alone
    fill("big", BIG, "/big/");
    upsert("big", "{\"queueName\":\"big\",\"paused\":false}");
    Sink.waitFor(() -> big[0] > 0, 10_000, "the big queue is being served");
    // 1000 queues, each created by its one message: stored in one script call per shard, in one go
    Map<Integer, List<Object>> byShard = new HashMap<>();
    long now = System.currentTimeMillis();
    for (int q = 0; q < 1000; q++) {
      String gate = Gates.queue("small" + q);
      int shard = keys.shardOfGate(gate);
      StoredMessage m = new StoredMessage(sink.url("/small/" + q), "POST", "", 3, null, 5_000, now, now, null,
          List.of(), Buffer.buffer("x"), "small" + q);
      byShard.computeIfAbsent(shard, x -> new ArrayList<>(List.of(keys.dedupPrefix(x), 60_000L, 0L,
          keys.gatePrefix(x), now))).addAll(List.of(Keys.messageId(shard), now, "", MessageCodec.encode(m), gate,
              ""));
    }
    byShard.forEach((shard, args) ->
        TestNode.get(scripts.run(LuaScript.STORE_MESSAGES, IngestService.storeKeys(keys, shard), args)));
    Sink.waitFor(() -> small.size() == 1000, 60_000, "the small queues were served: " + small.size() + " of 1000");
    int bigSoFar;
    synchronized (big) {
      bigSoFar = big[0];
    }
    long lag = node.getJson("/v2/queues/big").getLong("lag");
    assertTrue(bigSoFar < 20_000 && lag > BIG - 20_000,
        "the small queues did not wait for the big one: " + bigSoFar + " of it delivered, lag " + lag);
    assertTrue(bigSoFar > 0, "and the big one was served meanwhile");
    node.send("DELETE", "/v2/queues/big", Map.of(), null);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aPausedQueueOfAHundredThousandAddsNoRedisCommandPerTick(int shards) throws Exception {
    startNode(shards);
    Map<String, Long> idle = commandsOver(2_000);
    upsert("held", "{\"queueName\":\"held\",\"paused\":true}");
    fill("held", BIG, "/held/");
    assertEquals(BIG, node.getJson("/v2/queues/held").getLong("lag"));
    Map<String, Long> paused = commandsOver(2_000);
    for (String gateCommand : List.of("lpop", "lrange", "llen", "scard", "sismember", "rpush", "lpush", "smembers")) {
      assertEquals(0L, paused.getOrDefault(gateCommand, 0L), gateCommand + " ran while only a paused queue waited: "
          + paused);
    }
    long before = idle.values().stream().mapToLong(Long::longValue).sum();
    long after = paused.values().stream().mapToLong(Long::longValue).sum();
    // The same commands each tick (ZCOUNT and ZCARD per shard, the reaper, the key refresh): only the ticks'
    // timing may differ between two windows.
    assertTrue(after <= before * 1.2 + 10, "commands in 2 s: " + before + " idle, " + after + " with the paused"
        + " queue: " + idle + " / " + paused);
    assertEquals(Set.of(), Set.copyOf(sink.received()), "nothing delivered");
  }

  /**
   * Redis's calls per command (INFO commandstats, which counts the commands scripts run too) during a window.
   * The Redis is shared with nothing else while this test runs: tests run one at a time.
   */
  private Map<String, Long> commandsOver(long ms) throws InterruptedException {
    Map<String, Long> start = commandStats();
    Thread.sleep(ms); // a window of wall time is what is measured, not a condition to await
    Map<String, Long> end = commandStats();
    Map<String, Long> delta = new HashMap<>();
    end.forEach((cmd, calls) -> {
      long d = calls - start.getOrDefault(cmd, 0L);
      if (d > 0 && !cmd.equals("info")) {
        delta.put(cmd, d);
      }
    });
    return delta;
  }

  private Map<String, Long> commandStats() {
    String info = TestNode.get(redis.send(Request.cmd(Command.INFO).arg("commandstats"))).toString();
    Map<String, Long> calls = new HashMap<>();
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("cmdstat_")) {
        String name = line.substring("cmdstat_".length(), line.indexOf(':'));
        String v = line.substring(line.indexOf("calls=") + 6);
        calls.put(name, Long.parseLong(v.substring(0, v.indexOf(','))));
      }
    }
    return calls;
  }
}
