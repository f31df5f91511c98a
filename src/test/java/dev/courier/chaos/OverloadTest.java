package dev.courier.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, fault 6: a node with a 256 MiB heap offered twice the rate it can deliver, for a bounded time. Its
 * delivery rate is set by construction: {@code delivery.max-in-flight} attempts to a destination that answers in
 * {@code ANSWER_MS} sustain CREDIT * 1000 / ANSWER_MS messages a second; the load offers twice that, with bodies of
 * 16 KiB and every 20th of 256 KiB. The backlog grows until {@code limits.max-backlog}, then publishes are shed with
 * 429 (or 503 when the bodies in flight pass the node's budget), always with Retry-After; the node never runs out
 * of memory (it would exit: -XX:+ExitOnOutOfMemoryError), answers every request, and once the load stops delivers
 * everything it accepted.
 *
 * <p>{@code -Dchaos.overload.seconds} (20; the figure is 60) and {@code -Dchaos.overload.factor} (2) make a
 * longer or harsher run.
 */
class OverloadTest {
  private static final int SECONDS = Integer.getInteger("chaos.overload.seconds", 20);
  private static final double FACTOR = Double.parseDouble(System.getProperty("chaos.overload.factor", "2"));
  private static final int CREDIT = 50;
  private static final long ANSWER_MS = 100;
  private static final int SUSTAINED = (int) (CREDIT * 1000 / ANSWER_MS);
  private static final int BACKLOG = 2_000;
  private static final byte[] SMALL = new byte[16 * 1024];
  private static final byte[] LARGE = new byte[256 * 1024];

  @Test
  void twiceTheSustainableRateOnALittleHeap() throws Exception {
    Vertx vertx = Vertx.vertx();
    AuditSink sink = AuditSink.start(vertx).route("o", 200, ANSWER_MS);
    String prefix = "chaos" + UUID.randomUUID().toString().substring(0, 8);
    ChaosNode node = ChaosNode.start("node-small", List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
        ChaosNode.env(TestRedis.url(), prefix, Map.of(
            "COURIER_DELIVERY_MAX_IN_FLIGHT", Integer.toString(CREDIT),
            "COURIER_LIMITS_MAX_BACKLOG", Integer.toString(BACKLOG),
            "COURIER_LIMITS_DEFAULT_TIMEOUT", "10s",
            "COURIER_DELIVERY_LEASE_GRACE", "1s")));
    AtomicBoolean sampling = new AtomicBoolean(true);
    AtomicLong peakHeap = new AtomicLong();
    Thread sampler = new Thread(() -> sampleHeap(node, sampling, peakHeap), "chaos-heap-sampler");
    try {
      sampler.start();
      Load load = new Load(128);
      double rate = FACTOR * SUSTAINED;
      long start = System.nanoTime();
      long end = start + SECONDS * 1_000_000_000L;
      int sent = 0;
      while (System.nanoTime() < end) {
        Load.pace(start, sent, rate);
        load.publish(node.name(), node.base(), "/v2/publish/" + sink.url("o", sent), Map.of(),
            sent % 20 == 0 ? LARGE : SMALL, "/o/" + sent);
        sent++;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long deliveredDuringLoad = sink.delivered().size();
      load.awaitIdle(60_000);
      assertTrue(node.alive(), "the node died under the load");

      Audit.Report report = Audit.settle(vertx, TestRedis.url(), prefix, 1, node.base(), load, sink, Set.of(),
          90_000);
      sampling.set(false);
      sampler.join(5_000);
      Map<Integer, Long> byStatus = load.byStatus();
      long shed = byStatus.getOrDefault(429, 0L) + byStatus.getOrDefault(503, 0L);
      Audit.print("overload", report, load, List.of(String.format("offered %.0f/s for %.1f s (sustainable %d/s),"
          + " delivered %.0f/s during the load", sent / seconds, seconds, SUSTAINED, deliveredDuringLoad / seconds),
          "shed " + shed + " of " + sent, "peak heap used " + peakHeap.get() / (1024 * 1024) + " MiB of 256"));
      report.assertClean();
      assertFalse(node.said("OutOfMemoryError"), "the node ran out of memory");
      assertTrue(node.alive(), "the node died");
      assertEquals(0, load.errors(), "requests the node never answered (it must shed explicitly)");
      assertEquals(Set.of(), byStatus.keySet().stream().filter(s -> s != 200 && s != 429 && s != 503)
          .collect(Collectors.toSet()), "answers other than 200, 429 and 503");
      assertTrue(shed > 0, "nothing was shed: the load did not pass what the node sustains");
      assertTrue(load.answers().stream().filter(a -> a.status() != 200).allMatch(a -> a.retryAfter() != null),
          "a 429 or 503 without Retry-After");
      HttpResponse<String> after = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.base()
          + "/v2/publish/" + sink.url("o", "after"))).header("Authorization", "Bearer " + TestNode.TOKEN)
          .POST(HttpRequest.BodyPublishers.ofString("after")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, after.statusCode(), "the node accepts again once the backlog is gone: " + after.body());
    } finally {
      sampling.set(false);
      node.close();
      sink.close();
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /** Reads the node's heap in use from its /metrics every half second, for the report: the most seen. */
  private static void sampleHeap(ChaosNode node, AtomicBoolean sampling, AtomicLong peak) {
    HttpClient http = HttpClient.newHttpClient();
    while (sampling.get() && node.alive()) {
      try {
        String text = http.send(HttpRequest.newBuilder(URI.create(node.base() + "/metrics"))
            .header("Authorization", "Bearer " + TestNode.TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body();
        long used = text.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
            .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        peak.accumulateAndGet(used, Math::max);
      } catch (Exception e) {
        // a sample lost under load: the next one counts
      }
      java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L); // a sampling period, not a wait for a condition
    }
  }
}
