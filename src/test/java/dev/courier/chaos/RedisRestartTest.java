package dev.courier.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, fault 2: Redis (AOF, fsync always) is killed with SIGKILL under a steady load through two nodes and
 * started again on the same port and files after an outage. Every publish answered 2xx is delivered; every
 * publish during the outage is answered 503 with Retry-After (never 2xx, never another error); both nodes,
 * never restarted, notice the loss, reconnect, and accept again. Beyond {@code e2e.RedisOutageTest} (one
 * in-process node, a clean Redis stop, one message): a kill, two node JVMs, a load across the outage, an audit.
 *
 * <p>{@code -Dchaos.outage.ms} (3 000) and {@code -Dchaos.redis.rate} (publishes a second, 1 000) make it longer or
 * harsher.
 */
class RedisRestartTest {
  private static final long OUTAGE_MS = Long.getLong("chaos.outage.ms", 3_000);
  private static final int RATE = Integer.getInteger("chaos.redis.rate", 1_000);

  @TempDir
  Path dir;

  @Test
  void redisKilledAndRestartedUnderLoad() throws Exception {
    Vertx vertx = Vertx.vertx();
    AuditSink sink = AuditSink.start(vertx).route("p", 200, 5).route("d", 200, 5);
    AofRedis redis = AofRedis.start(dir);
    String prefix = "chaos" + UUID.randomUUID().toString().substring(0, 8);
    List<ChaosNode> nodes = ChaosNode.startAll(List.of("node-a", "node-b"), ChaosNode.env(redis.url(), prefix, Map.of(
        "COURIER_LIMITS_DEFAULT_TIMEOUT", "5s",
        "COURIER_DELIVERY_LEASE_GRACE", "1s",
        // the sampler is what logs "redis lost" and "redis back": often enough to see a short outage
        "COURIER_METRICS_SAMPLE_INTERVAL", "1s")));
    Load load = new Load(16);
    AtomicBoolean stop = new AtomicBoolean();
    Thread publisher = new Thread(() -> {
      long start = System.nanoTime();
      for (int i = 0; !stop.get(); i++) {
        Load.pace(start, i, RATE);
        ChaosNode target = nodes.get(i % 2);
        String route = i % 10 == 0 ? "d" : "p";
        load.publish(target.name(), target.base(), "/v2/publish/" + sink.url(route, i),
            route.equals("d") ? Map.of("Upstash-Delay", "2s") : Map.of(), ("m" + i).getBytes(), "/" + route + "/" + i);
      }
    }, "chaos-publisher");
    try {
      publisher.start();
      Sink.waitFor(() -> load.accepted().size() >= RATE && sink.requests() > 0, 30_000, "the load under way");
      redis.kill9();
      long killedAt = System.currentTimeMillis();
      Sink.waitFor(() -> System.currentTimeMillis() - killedAt >= OUTAGE_MS
          && nodes.stream().allMatch(n -> answered(load, n, 503, killedAt)), OUTAGE_MS + 30_000,
          "both nodes answering 503 through the outage");
      redis.launch();
      long restartedAt = System.currentTimeMillis();
      Sink.waitFor(() -> nodes.stream().allMatch(n -> answered(load, n, 200, restartedAt)), 30_000,
          "both nodes accepting again, without a restart");
      long recoveredIn = System.currentTimeMillis() - restartedAt;
      long acceptedAfter = load.accepted().size();
      Sink.waitFor(() -> load.accepted().size() >= acceptedAfter + RATE, 30_000, "a second of load after the outage");
      stop.set(true);
      publisher.join(10_000);
      load.awaitIdle(30_000);

      // A store Redis ran and fsynced just before its SIGKILL, whose reply the node never read: 503, though stored
      long cutAtTheKill = load.treatAsUnknown(a -> a.status() == 503 && a.sentAt() <= killedAt);
      Audit.Report report = Audit.settle(vertx, redis.url(), prefix, 1, nodes.get(1).base(), load, sink, Set.of(),
          60_000);
      List<Load.Answer> refused = load.answers().stream().filter(a -> a.status() / 100 != 2).toList();
      Audit.print("redis restart", report, load, List.of("outage " + (restartedAt - killedAt) + " ms",
          cutAtTheKill + " publishes under way at the kill answered 503 (outcome unknown)",
          "both nodes accepting " + recoveredIn + " ms after Redis was back"));
      report.assertClean();
      assertEquals(Set.of(503), refused.stream().map(Load.Answer::status).collect(Collectors.toSet()),
          "a publish refused otherwise than with 503");
      assertTrue(refused.stream().allMatch(a -> "1".equals(a.retryAfter())), "a 503 without Retry-After: 1");
      // (a second's slack after both nodes accepted again: a request one of them took just before it reconnected)
      assertTrue(refused.stream().allMatch(a -> a.at() >= killedAt && a.at() <= restartedAt + recoveredIn + 1_000),
          "a 503 outside the outage");
      for (ChaosNode n : nodes) {
        assertTrue(n.alive(), n.name() + " died");
        assertTrue(n.said("redis lost") && n.said("redis back"), n.name() + " did not log the loss and the return");
      }
    } finally {
      stop.set(true);
      for (ChaosNode n : nodes) {
        n.close();
      }
      redis.close();
      sink.close();
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /** Whether {@code node} answered a publish with {@code status} since {@code since}. */
  private static boolean answered(Load load, ChaosNode node, int status, long since) {
    return load.answers().stream().anyMatch(a -> a.tag().equals(node.name()) && a.status() == status && a.at() >= since);
  }
}
