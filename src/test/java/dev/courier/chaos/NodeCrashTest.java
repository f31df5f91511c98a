package dev.courier.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, fault 1: two nodes on one Redis share a load of plain, delayed, dead-lettered and queued messages
 * (a queue of parallelism 2), and one of them is killed with SIGKILL while the load runs. Every accepted message
 * ends delivered or in the DLQ as its destination calls for; the only repeats are of messages the dead node may
 * have held (received before the kill), no more than its delivery credit; the queue never has three attempts at
 * the destination at once.
 *
 * <p>{@code -Dchaos.messages} (20 000), {@code -Dchaos.rate} (publishes a second, 4 000) and {@code -Dchaos.credit}
 * (each node's {@code delivery.max-in-flight}, 200) make a longer or harsher run.
 */
class NodeCrashTest {
  private static final int MESSAGES = Integer.getInteger("chaos.messages", 20_000);
  private static final int RATE = Integer.getInteger("chaos.rate", 4_000);
  private static final int CREDIT = Integer.getInteger("chaos.credit", 200);
  private static final int SHARDS = 2;
  private static final int BATCH = 100;
  private static final String QUEUE = "par2";

  @Test
  void twoNodesUnderLoadOneKilled() throws Exception {
    Vertx vertx = Vertx.vertx();
    AuditSink sink = AuditSink.start(vertx).route("p", 200, 10).route("d", 200, 10).route("q", 200, 20)
        .route("x", 500, 0);
    String prefix = "chaos" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> env = ChaosNode.env(TestRedis.url(), prefix, Map.of(
        "COURIER_REDIS_SHARDS", Integer.toString(SHARDS),
        "COURIER_DELIVERY_MAX_IN_FLIGHT", Integer.toString(CREDIT),
        // A lease lasts the attempt's timeout and this grace: the dead node's messages come back within 6 s
        "COURIER_LIMITS_DEFAULT_TIMEOUT", "5s",
        "COURIER_DELIVERY_LEASE_GRACE", "1s"));
    List<ChaosNode> nodes = ChaosNode.startAll(List.of("node-a", "node-b"), env);
    ChaosNode victim = nodes.get(0);
    ChaosNode survivor = nodes.get(1);
    try {
      HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create(survivor.base() + "/v2/queues")).header("Authorization", "Bearer " + TestNode.TOKEN)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"queueName\":\"" + QUEUE + "\",\"parallelism\":2}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, created.statusCode(), created.body());

      Load load = new Load(8);
      long[] published = {0};
      Thread publisher = new Thread(() -> publish(load, sink, victim, survivor, published), "chaos-publisher");
      publisher.start();

      // Mid-load: a third of the messages published (deliveries lag behind), the rest still to come, and attempts
      // open at the sink (a moment between two waves of deliveries, with none open, once failed the check below)
      int[] open = {0};
      Sink.waitFor(() -> {
        synchronized (published) {
          open[0] = sink.openNow();
          return published[0] >= MESSAGES / 3 && open[0] > 0;
        }
      }, 60_000, "a third of the load published, attempts open at the sink");
      int heldAtSink = open[0];
      victim.kill9();
      long killedAt = System.currentTimeMillis();
      long publishedAtKill;
      synchronized (published) {
        publishedAtKill = published[0];
      }
      System.out.printf("chaos crash: killed %s with %d messages published, %d requests at the sink, %d of them"
          + " unanswered%n", victim.name(), publishedAtKill, sink.requests(), heldAtSink);
      publisher.join(120_000);
      load.awaitIdle(30_000);
      assertTrue(publishedAtKill < MESSAGES / 2 && heldAtSink > 0, "the kill came mid-load ("
          + publishedAtKill + " published, " + heldAtSink + " attempts open at the sink)");

      Audit.Report report = Audit.settle(vertx, TestRedis.url(), prefix, SHARDS, survivor.base(), load, sink,
          Set.of("x"), 90_000);
      List<String> late = new ArrayList<>();
      report.repeats().forEach((id, n) -> {
        long first = sink.arrivals().get(id).times().get(0);
        if (first > killedAt) {
          late.add(id + " first at kill+" + (first - killedAt) + " ms, " + n + " arrivals");
        }
      });
      Audit.print("node crash", report, load, List.of("queue peak at the sink " + sink.peakOpen("q"),
          "dead node's credit " + CREDIT));
      report.assertClean();
      assertEquals(List.of(), late, "a repeat of a message first sent after the kill: not the dead node's");
      assertTrue(report.repeats().size() <= CREDIT, report.repeats().size() + " repeated ids: more than the dead"
          + " node could hold (" + CREDIT + ")");
      assertTrue(report.repeats().values().stream().allMatch(n -> n == 2), "a message sent three times or more: "
          + report.repeats());
      assertEquals(2, sink.peakOpen("q"), "queue " + QUEUE + " reached its parallelism of 2 and never passed it");
    } finally {
      for (ChaosNode n : nodes) {
        n.close();
      }
      sink.close();
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /**
   * Publishes MESSAGES at RATE through both nodes while the victim lives, then through the survivor alone: 2 % to
   * the queue (one enqueue each), the rest in batches of BATCH: 10 % delayed 1-4 s, 1 % to a destination that
   * fails with no retries left (the DLQ), the others plain.
   */
  private static void publish(Load load, AuditSink sink, ChaosNode victim, ChaosNode survivor, long[] published) {
    long start = System.nanoTime();
    JsonArray items = new JsonArray();
    List<String> keys = new ArrayList<>();
    int turn = 0;
    for (int i = 0; i < MESSAGES; i++) {
      Load.pace(start, i, RATE);
      ChaosNode target = victim.alive() && turn++ % 2 == 0 ? victim : survivor;
      int kind = i % 100;
      if (kind < 2) {
        String key = "/q/" + i;
        load.publish(target.name(), target.base(), "/v2/enqueue/" + QUEUE + "/" + sink.url("q", i), Map.of(),
            "q".getBytes(), key);
      } else {
        String route = kind < 12 ? "d" : kind == 12 ? "x" : "p";
        JsonObject headers = new JsonObject();
        if (route.equals("d")) {
          headers.put("Upstash-Delay", (1 + i % 4) + "s");
        } else if (route.equals("x")) {
          headers.put("Upstash-Retries", "0");
        }
        items.add(new JsonObject().put("destination", sink.url(route, i)).put("body", "m" + i).put("headers", headers));
        keys.add("/" + route + "/" + i);
      }
      if (items.size() == BATCH || (i == MESSAGES - 1 && !items.isEmpty())) {
        load.batch(target.name(), target.base(), items, keys);
        items = new JsonArray();
        keys = new ArrayList<>();
      }
      synchronized (published) {
        published[0] = i + 1;
      }
    }
  }
}
