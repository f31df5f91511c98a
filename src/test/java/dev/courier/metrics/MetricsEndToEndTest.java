package dev.courier.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the operators' view true: real traffic through a real node (on a Vertx that reports its own metrics, as
 * Main builds it), a scrape of {@code /metrics}, and every series the Grafana dashboard and the alert rules read
 * must be in it, read from those files (a renamed metric breaks the build). The delivered counter moves by
 * exactly the deliveries the sink saw.
 */
class MetricsEndToEndTest {
  private static final int DELIVERED = 25;

  private Vertx vertx;
  private PrometheusMeterRegistry registry;

  @BeforeEach
  void setUp() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    vertx = VertxMetricsSetup.vertx(new VertxOptions(), registry);
  }

  @AfterEach
  void tearDown() {
    TestNode.get(vertx.close());
  }

  @Test
  void everySeriesTheDashboardAndTheAlertsReadIsScrapedAndDeliveriesAreCountedExactly() throws Exception {
    try (Sink sink = Sink.start(vertx);
        TestNode node = TestNode.start(vertx, Map.of("COURIER_METRICS_SAMPLE_INTERVAL", "1s"), registry)) {
      sink.respond(r -> r.uri().startsWith("/fail") ? Sink.Reply.status(500) : Sink.Reply.ok());
      Scrape before = scrape(node);
      double successBefore = before.value("courier_delivery_attempts_total{outcome=\"success\"}");

      for (int i = 0; i < DELIVERED; i++) {
        node.publish(sink.url("/ok/" + i), Map.of(), ("m" + i).getBytes(StandardCharsets.UTF_8));
      }
      // one with no retries left to the DLQ, one whose failure schedules a retry (its backoff outlasts the test)
      node.publish(sink.url("/fail/dead"), Map.of("Upstash-Retries", "0"), "x".getBytes(StandardCharsets.UTF_8));
      node.publish(sink.url("/fail/retry"), Map.of("Upstash-Retries", "1"), "x".getBytes(StandardCharsets.UTF_8));
      sink.await(DELIVERED + 2, 20_000);
      Sink.waitFor(() -> node.deadLetters().size() == 1, 10_000, "the failed message did not reach the DLQ");

      long arrived = sink.received().stream().filter(r -> r.uri().startsWith("/ok/")).count();
      assertEquals(DELIVERED, arrived);
      Sink.waitFor(() -> scrape(node).value("courier_dlq_messages") == 1, 10_000, "the DLQ gauge did not move");
      // Micrometer registers the GC pause timer at the first collection; a node that has run a while has had one.
      System.gc();
      Sink.waitFor(() -> scrape(node).names().contains("jvm_gc_pause_seconds_sum"), 10_000, "no GC pause series");
      Scrape after = scrape(node);
      Files.writeString(Path.of("target", "metrics-scrape.txt"), lastText);

      assertEquals(arrived, after.value("courier_delivery_attempts_total{outcome=\"success\"}") - successBefore,
          "the delivered counter moved by exactly the deliveries the sink saw");
      assertEquals(DELIVERED + 2.0, after.value("courier_messages_published_total{result=\"accepted\"}"));
      assertEquals(1.0, after.value("courier_messages_dead_lettered_total"));
      assertEquals(1.0, after.value("courier_retries_scheduled_total"));
      assertEquals(1.0, after.value("courier_delivery_attempts_total{outcome=\"permanent\"}"));
      assertEquals(1.0, after.value("courier_delivery_attempts_total{outcome=\"retryable\"}"));
      assertEquals(arrived, after.value("courier_end_to_end_latency_seconds_count"));
      assertEquals(1.0, after.value("courier_redis_up"));
      assertEquals(1.0, after.value("courier_messages_pending{state=\"delayed\"}"), "the retry waits on the wheel");

      assertTrue(after.samples().containsKey("vertx_pool_in_use{pool_name=\"destinations\",pool_type=\"http\"}"),
          "the destinations' pools are one series");
      Set<String> missing = new TreeSet<>();
      for (String name : OperatorFiles.seriesUsed()) {
        if (!after.names().contains(name)) {
          missing.add(name);
        }
      }
      assertTrue(missing.isEmpty(), "series the dashboard or the alerts use but /metrics lacks: " + missing);

      // Bounded labels: no destination, host, port or message id in any series.
      String port = Integer.toString(Integer.parseInt(sink.url("").replaceAll(".*:(\\d+).*", "$1")));
      for (String series : after.samples().keySet()) {
        assertFalse(series.matches(".*pool_name=\"[0-9a-f]{8}-.*"), "a pool named at random: " + series);
        assertFalse(series.contains("msg_") || series.contains("/ok/") || series.contains(":" + port)
            || series.contains("127.0.0.1"), "a label names a message or a destination: " + series);
      }
    }
  }

  /**
   * One delivery permit and a destination that takes 5 s: the messages behind the first wait on the wheel, and the
   * backlog gauges (read from Redis by the sampler), the permit series and the publishes' credit waits say so.
   */
  @Test
  void aSaturatedNodeShowsWheelLagPendingMessagesAndPermitWaits() throws Exception {
    try (Sink sink = Sink.start(vertx); TestNode node = TestNode.start(vertx, Map.of("COURIER_METRICS_SAMPLE_INTERVAL",
        "1s", "COURIER_DELIVERY_MAX_IN_FLIGHT", "1"), registry)) {
      sink.respond(r -> new Sink.Reply(200, Map.of(), "ok", 5_000));
      for (int i = 0; i < 3; i++) {
        node.publish(sink.url("/slow/" + i), Map.of(), "x".getBytes(StandardCharsets.UTF_8));
      }
      sink.await(1, 10_000);
      Sink.waitFor(() -> scrape(node).value("courier_delay_wheel_lag_seconds") >= 1, 10_000, "no wheel lag");
      Scrape s = scrape(node);
      assertEquals(1.0, s.value("courier_delivery_permits_in_use"));
      assertEquals(1.0, s.value("courier_delivery_permits_limit"));
      assertTrue(s.value("courier_delivery_permit_waits_total") > 0, "the wheel waited for a permit");
      // the second publish found the permit taken, waited delivery.direct-wait-ms for it and went on the wheel;
      // the third did not wait (the second was on the wheel before it)
      assertEquals(1.0, s.value("courier_publish_credit_waits_total{result=\"timed_out\"}"));
      assertEquals(0.0, s.value("courier_publish_credit_waits_total{result=\"granted\"}"));
      assertEquals(2.0, s.value("courier_messages_pending{state=\"due\"}") + s.value(
          "courier_messages_pending{state=\"delayed\"}"), "two wait on the wheel");
      assertEquals(1.0, s.value("courier_messages_pending{state=\"in_flight\"}"));
    }
  }

  /**
   * The event-log writer's pacing gauge: 1 while an attempt is in flight and the writer keeps to its share (both
   * busy signals off: the share whenever the node delivers), 0 once nothing is in flight. The share is below 100
   * (a share of 100 holds nothing back: the next test).
   */
  @Test
  void theWriterPacedGaugeFollowsWhetherTheWriterKeepsToItsShare(@TempDir Path data) throws Exception {
    try (Sink sink = Sink.start(vertx); TestNode node = eventLogNode(data, 10)) {
      sink.respond(r -> new Sink.Reply(200, Map.of(), "ok", 3_000));
      node.publish(sink.url("/slow"), Map.of(), "x".getBytes(StandardCharsets.UTF_8));
      sink.await(1, 10_000);
      Sink.waitFor(() -> scrape(node).value("courier_eventlog_writer_paced") == 1, 2_000,
          "the writer kept to its share while the attempt was in flight");
      Sink.waitFor(() -> scrape(node).value("courier_eventlog_writer_paced") == 0, 10_000,
          "the writer stores at full speed once nothing is in flight");
    }
  }

  /**
   * At a share of 100 the writer holds nothing back, so the gauge reads 0 throughout an attempt in flight, while the
   * writer stores its CREATED and ACTIVE and until it stores its DELIVERED.
   */
  @Test
  void theWriterPacedGaugeReadsZeroAtAShareOf100(@TempDir Path data) throws Exception {
    try (Sink sink = Sink.start(vertx); TestNode node = eventLogNode(data, 100)) {
      sink.respond(r -> new Sink.Reply(200, Map.of(), "ok", 2_000));
      node.publish(sink.url("/slow"), Map.of(), "x".getBytes(StandardCharsets.UTF_8));
      sink.await(1, 10_000);
      int scrapes = 0;
      long deadline = System.nanoTime() + 15_000_000_000L;
      while (true) {
        assertTrue(System.nanoTime() < deadline, "DELIVERED stored within 15 s");
        Scrape s = scrape(node);
        assertEquals(0.0, s.value("courier_eventlog_writer_paced"), "scrape " + scrapes);
        scrapes++;
        if (s.value("courier_eventlog_events_written_total") >= 3) {
          break; // DELIVERED is stored: the attempt has ended
        }
      }
      assertTrue(scrapes > 1, "the gauge was read while the attempt was in flight");
    }
  }

  /** A node with the event log on, its writer held to {@code share} whenever it delivers (the loops' signal off). */
  private TestNode eventLogNode(Path data, int share) throws Exception {
    return TestNode.start(vertx, Map.of("COURIER_EVENT_LOG_ENABLED", "true", "COURIER_DATA_DIR", data.toString(),
        "COURIER_EVENT_LOG_WRITER_BUSY_LOOPS", "0", "COURIER_EVENT_LOG_WRITER_SHARE", Integer.toString(share)),
        registry);
  }

  /** A queue of parallelism 2 and a flow-control key of parallelism 1 in front of a slow destination. */
  @Test
  void gatesShowTheirPermitsInUseAndTheMessagesWaitingInThem() throws Exception {
    try (Sink sink = Sink.start(vertx); TestNode node = TestNode.start(vertx, Map.of("COURIER_METRICS_SAMPLE_INTERVAL",
        "1s"), registry)) {
      sink.respond(r -> new Sink.Reply(200, Map.of(), "ok", 5_000));
      assertEquals(200, node.send("POST", "/v2/queues", Map.of("Content-Type", "application/json"),
          "{\"queueName\":\"metered\",\"parallelism\":2}".getBytes(StandardCharsets.UTF_8)).statusCode());
      byte[] body = "x".getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 5; i++) {
        assertEquals(200, node.send("POST", "/v2/enqueue/metered/" + sink.url("/q/" + i), Map.of(), body)
            .statusCode());
      }
      for (int i = 0; i < 3; i++) {
        node.publish(sink.url("/f/" + i), Map.of("Upstash-Flow-Control-Key", "metered-key",
            "Upstash-Flow-Control-Value", "parallelism=1"), body);
      }
      sink.await(3, 10_000);
      Sink.waitFor(() -> scrape(node).value("courier_gate_permits_in_use{kind=\"queue\"}") == 2.0
          && scrape(node).value("courier_gate_permits_in_use{kind=\"flow_control\"}") == 1.0, 10_000,
          "permits not sampled: " + lastText);
      Scrape s = scrape(node);
      assertEquals(1.0, s.value("courier_gates{kind=\"queue\"}"));
      assertEquals(1.0, s.value("courier_gates{kind=\"flow_control\"}"));
      assertEquals(5.0, s.value("courier_messages_pending{state=\"queued\"}"), "3 in the queue, 2 behind the key");
    }
  }

  @Test
  void metricsTakeTheTokenAndTheProbesDoNot() throws Exception {
    try (TestNode node = TestNode.start(vertx, Map.of(), registry)) {
      assertEquals(401, node.send("GET", "/metrics", Map.of(), null, false).statusCode());
      var live = node.send("GET", "/health/live", Map.of(), null, false);
      assertEquals(200, live.statusCode());
      assertEquals("ok", new JsonObject(new String(live.body(), StandardCharsets.UTF_8)).getString("status"));
      var ready = node.send("GET", "/health/ready", Map.of(), null, false);
      assertEquals(200, ready.statusCode(), new String(ready.body(), StandardCharsets.UTF_8));
      JsonObject body = new JsonObject(new String(ready.body(), StandardCharsets.UTF_8));
      assertEquals("ok", body.getString("status"));
      assertEquals("ok", body.getString("redis"));
      assertEquals("loaded", body.getString("scripts"));
      assertEquals("off", body.getString("eventLog"), "the test node runs without the event log");
      assertEquals(200, node.send("GET", "/health", Map.of(), null, false).statusCode());
    }
  }

  @Test
  void metricsOffMeansNoRoute() throws Exception {
    try (TestNode node = TestNode.start(vertx, Map.of("COURIER_METRICS_ENABLED", "false"))) {
      assertEquals(404, node.send("GET", "/metrics", Map.of(), null).statusCode());
      assertFalse(node.courier().metrics().isEnabled());
    }
  }

  private String lastText;

  private Scrape scrape(TestNode node) {
    var r = node.send("GET", "/metrics", Map.of(), null);
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    lastText = new String(r.body(), StandardCharsets.UTF_8);
    return Scrape.parse(lastText);
  }
}
