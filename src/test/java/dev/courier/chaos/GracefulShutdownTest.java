package dev.courier.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, fault 5: SIGTERM to a node under load. It stops claiming at once, lets the attempts it holds finish
 * and records their outcomes within {@code delivery.stop-grace}, says "courier: stopped" and exits; a node started
 * afterwards delivers the backlog, and the audit finds every accepted message delivered exactly once. With a grace
 * shorter than the attempts, the node exits after the grace, says how many attempts it cut, and those come back
 * (delivered once more) instead of holding the stop.
 *
 * <p>{@code -Dchaos.stop.rate} (publishes a second, 1 000) and {@code -Dchaos.stop.load.ms} (load before the
 * SIGTERM, 2 000) make a longer run.
 */
class GracefulShutdownTest {
  private static final int RATE = Integer.getInteger("chaos.stop.rate", 1_000);
  private static final long LOAD_MS = Long.getLong("chaos.stop.load.ms", 2_000);
  /** How long the sink takes to answer an attempt: the stop must wait for it. */
  private static final long ANSWER_MS = 1_500;
  private static final int CREDIT = 200;

  private Vertx vertx;
  private AuditSink sink;
  private final List<ChaosNode> nodes = new ArrayList<>();
  private final String prefix = "chaos" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    sink = AuditSink.start(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    for (ChaosNode n : nodes) {
      n.close();
    }
    sink.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  private ChaosNode node(String name, Map<String, String> extra) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("COURIER_DELIVERY_MAX_IN_FLIGHT", Integer.toString(CREDIT),
        "COURIER_LIMITS_DEFAULT_TIMEOUT", "5s", "COURIER_DELIVERY_LEASE_GRACE", "1s"));
    env.putAll(extra);
    ChaosNode node = ChaosNode.start(name, ChaosNode.env(TestRedis.url(), prefix, env));
    nodes.add(node);
    return node;
  }

  @Test
  void sigtermFinishesTheAttemptsInFlightAndLosesNothing() throws Exception {
    sink.route("p", 200, ANSWER_MS);
    ChaosNode stopping = node("node-stopping", Map.of());
    Load load = new Load(16);
    AtomicBoolean publishing = new AtomicBoolean(true);
    Thread publisher = new Thread(() -> {
      long start = System.nanoTime();
      for (int i = 0; publishing.get(); i++) {
        Load.pace(start, i, RATE);
        load.publish(stopping.name(), stopping.base(), "/v2/publish/" + sink.url("p", i), Map.of(), "m".getBytes(),
            "/p/" + i);
      }
    }, "chaos-publisher");
    publisher.start();
    // The node's credit is taken by attempts the sink holds, and a backlog waits on the wheel (a fresh JVM is slow
    // for its first second or two: the load counts from the first deliveries)
    Sink.waitFor(() -> sink.openNow() >= 50 && load.accepted().size() >= 3 * CREDIT, 60_000,
        "the load under way with attempts in flight");
    long underWay = System.currentTimeMillis();
    Sink.waitFor(() -> System.currentTimeMillis() - underWay >= LOAD_MS, LOAD_MS + 1_000, "the load");
    // Freeze the destination until every attempt open at it is held: the node's credit is then all taken (on 2 cores
    // 128 at the sink, 64 connections a dispatcher, the rest of its 200 waiting for one) and none comes back, so
    // whatever reaches the sink beyond these after the SIGTERM was claimed after it
    sink.hold("p");
    Sink.waitFor(() -> sink.held() >= 50 && sink.openNow() == sink.held(), 10_000, "every open attempt held");
    long frozenAt = System.currentTimeMillis();
    int inFlight = sink.held();
    stopping.term();
    long termAt = System.currentTimeMillis();
    Sink.waitFor(() -> stopping.said("courier: stopping"), 10_000, "the node to begin its stop");
    sink.release("p"); // the attempts end now, and their credit comes back while the node stops
    assertTrue(stopping.awaitExit(20_000), "the node did not stop within 20 s");
    long exitAt = System.currentTimeMillis();
    publishing.set(false);
    publisher.join(10_000);
    load.awaitIdle(30_000);

    long sentAfterTerm = sink.arrivedBetween(frozenAt, exitAt);
    long leftOnTheWheel = load.accepted().size() - sink.distinct();
    assertTrue(stopping.said("courier: stopped"), "no \"courier: stopped\" line");
    assertFalse(stopping.said("attempts still in flight"), "the node cut attempts within its 10 s grace");
    assertTrue(leftOnTheWheel > 0, "no backlog at the SIGTERM: whether it stopped claiming is not tested");
    assertTrue(inFlight + sentAfterTerm <= CREDIT, inFlight + " held at the sink at the SIGTERM and " + sentAfterTerm
        + " sent after it: the node claimed after the SIGTERM (its credit is " + CREDIT + ")");

    // What it left on the wheel is for the next node; the destination answers at once now
    sink.route("p", 200, 0);
    ChaosNode next = node("node-next", Map.of());
    Audit.Report report = Audit.settle(vertx, TestRedis.url(), prefix, 1, next.base(), load, sink, Set.of(), 60_000);
    Audit.print("graceful stop", report, load, List.of(inFlight + " attempts at the sink at the SIGTERM, "
        + sentAfterTerm + " sent after it",
        "stopped in " + (exitAt - termAt) + " ms", leftOnTheWheel + " left on the wheel for the next node"));
    report.assertClean();
    assertEquals(Map.of(), report.repeats(), "a message delivered twice: an outcome of the stop was lost");
  }

  @Test
  void aGraceShorterThanTheAttemptsCutsThemAndTheyComeBack() throws Exception {
    int messages = 50;
    sink.route("s", 200, 4_500); // longer than the grace, within the attempt's timeout (5 s)
    ChaosNode stopping = node("node-cut", Map.of("COURIER_DELIVERY_STOP_GRACE", "1s"));
    Load load = new Load(16);
    for (int i = 0; i < messages; i++) {
      load.publish(stopping.name(), stopping.base(), "/v2/publish/" + sink.url("s", i), Map.of(), "m".getBytes(),
          "/s/" + i);
    }
    load.awaitIdle(30_000);
    assertEquals(messages, load.accepted().size(), "publishes: " + load.byStatus());
    Sink.waitFor(() -> sink.openNow() == messages, 10_000, "every attempt in flight");
    stopping.term();
    long termAt = System.currentTimeMillis();
    assertTrue(stopping.awaitExit(20_000), "the node did not stop within 20 s");
    long stoppedIn = System.currentTimeMillis() - termAt;
    assertTrue(stoppedIn < 3_000, "a 1 s grace, but the node took " + stoppedIn + " ms (the sink answers in 4.5 s)");
    // each dispatcher (event loop) counts the attempts it cut
    int cut = stopping.linesWith("attempts still in flight").stream()
        .mapToInt(l -> Integer.parseInt(l.replaceAll(".*stopping with (\\d+) attempts.*", "$1"))).sum();
    assertEquals(messages, cut, "the cut attempts, as the node counted them: " + stopping.linesWith("in flight"));
    assertTrue(stopping.said("courier: stopped"), "no \"courier: stopped\" line");

    sink.route("s", 200, 0);
    ChaosNode next = node("node-next", Map.of());
    Audit.Report report = Audit.settle(vertx, TestRedis.url(), prefix, 1, next.base(), load, sink, Set.of(), 60_000);
    Audit.print("stop past its grace", report, load, List.of("stopped in " + stoppedIn + " ms", cut + " attempts cut"));
    report.assertClean();
    assertEquals(messages, report.repeats().size(), "each cut attempt sent again, once");
  }
}
