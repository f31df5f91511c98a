package dev.courier.chaos;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 21, fault 3: a destination that never answers and one that answers in 5 s do not slow deliveries to a
 * healthy one. Before each host had a share of the credit, 1 100 messages to a hanging destination held every
 * permit of the node for their whole timeout, and a healthy destination's messages waited behind them.
 */
@ExtendWith(VertxExtension.class)
class SlowDestinationTest {
  private static final int MAX_IN_FLIGHT = 200;
  private static final int DISPATCHERS = 2;
  private static final int SHARE_PERCENT = 25;
  private static final long HANGING_TIMEOUT_MS = 30_000;

  @Test
  void hangingAndSlowDestinationsHoldOnlyTheirShareAndAHealthyOneIsDeliveredPromptly(Vertx vertx) throws Exception {
    try (Sink hanging = Sink.start(vertx); Sink slow = Sink.start(vertx); Sink healthy = Sink.start(vertx);
        TestNode node = TestNode.start(vertx, Map.of(
            "COURIER_DELIVERY_MAX_IN_FLIGHT", String.valueOf(MAX_IN_FLIGHT),
            "COURIER_DELIVERY_INSTANCES", String.valueOf(DISPATCHERS),
            "COURIER_DELIVERY_HOST_SHARE", String.valueOf(SHARE_PERCENT),
            "COURIER_DELIVERY_HOST_STALL", "1s"))) {
      hanging.respond(r -> new Sink.Reply(200, Map.of(), "", 10 * 60_000));
      slow.respond(r -> new Sink.Reply(200, Map.of(), "late", 5_000));
      byte[] body = "x".getBytes(StandardCharsets.UTF_8);
      Map<String, String> hang = Map.of("Upstash-Timeout", HANGING_TIMEOUT_MS / 1000 + "s", "Upstash-Retries", "0");
      for (int i = 0; i < 1_100; i++) {
        node.publish(hanging.url("/hang/" + i), hang, body);
      }
      for (int i = 0; i < 100; i++) {
        node.publish(slow.url("/slow/" + i), Map.of("Upstash-Retries", "0"), body);
      }
      long start = System.currentTimeMillis();
      for (int i = 0; i < 100; i++) {
        node.publish(healthy.url("/ok/" + i), Map.of(), body);
      }
      healthy.await(100, 10_000);
      long took = healthy.received().get(99).at() - start;
      int shareOfHost = DISPATCHERS * (int) Math.ceil(MAX_IN_FLIGHT * SHARE_PERCENT / 100.0 / DISPATCHERS);
      System.out.printf("healthy: 100 delivered %d ms after their publish began; hanging peak in flight %d,"
          + " slow peak %d (share per host %d of %d)%n", took, hanging.peakOpen(), slow.peakOpen(), shareOfHost,
          MAX_IN_FLIGHT);
      assertTrue(took < HANGING_TIMEOUT_MS / 3, "the healthy destination waited " + took + " ms");
      assertTrue(hanging.peakOpen() <= shareOfHost, "the hanging host held " + hanging.peakOpen() + " attempts");
      assertTrue(slow.peakOpen() <= shareOfHost, "the slow host held " + slow.peakOpen() + " attempts");
      slow.await(100, 30_000); // the slow destination gets its messages too, at its own pace
    }
  }
}
