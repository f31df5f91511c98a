package dev.courier.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.model.StoredMessage;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Retry delays and their jitter (issue #17). */
class RetryPolicyTest {
  private static final long NOW = 1_700_000_000_000L;

  private static Delivery delivery(String expr, int retried) {
    StoredMessage m = new StoredMessage("http://x", "POST", "", 10, expr, 1000, NOW, NOW, null, List.of(), Buffer.buffer());
    return new Delivery(0, "msg_0_x", m, retried, "t", NOW);
  }

  private static AttemptResult status(int status, String... headers) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < headers.length; i += 2) {
      h.add(headers[i], headers[i + 1]);
    }
    return new AttemptResult(status, h, Buffer.buffer(), null);
  }

  @Test
  void aThousandRetriesOfOneFailingDestinationAreSpreadOverMoreThanTenMilliseconds() {
    Set<Long> buckets = new HashSet<>();
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < 1000; i++) {
      Outcome o = RetryPolicy.decide(delivery(null, 0), status(503), NOW);
      long at = ((Outcome.Retry) o).dueAt() - NOW;
      buckets.add(at / 10);
      min = Math.min(min, at);
      max = Math.max(max, at);
    }
    assertTrue(buckets.size() > 100, buckets.size() + " distinct 10-ms slots for 1000 retries");
    long base = Math.round(Math.exp(2.5) * 1000); // the first retry's backoff, e^2.5 s
    assertTrue(min >= base * 0.8 - 1 && max <= base * 1.2 + 1, "within ±20 % of " + base + ": " + min + ".." + max);
  }

  @Test
  void theJitterBandIsTwentyPercentEitherSideOfTheBackoff() {
    long base = Math.round(Math.exp(2.5) * 1000);
    assertEquals(Math.round(base * 0.8), RetryPolicy.delayMillis(delivery(null, 0), status(500), NOW, 0.0), 1);
    assertEquals(base, RetryPolicy.delayMillis(delivery(null, 0), status(500), NOW, 0.5), 1);
    assertEquals(Math.round(base * 1.2), RetryPolicy.delayMillis(delivery(null, 0), status(500), NOW, 0.9999999), 1);
  }

  @Test
  void aUsersExpressionIsHonouredAsWritten() {
    for (double r : new double[] {0, 0.3, 0.99}) {
      assertEquals(4000, RetryPolicy.delayMillis(delivery("pow(2, retried) * 1000", 2), status(500), NOW, r));
    }
  }

  @Test
  void retryAfterStaysTheFloor() {
    for (double r : new double[] {0, 0.5, 0.99}) {
      long d = RetryPolicy.delayMillis(delivery("1000", 0), status(429, "Retry-After", "30"), NOW, r);
      assertTrue(d >= 30_000 && d <= 36_000, d + " ms after a Retry-After of 30 s");
    }
  }
}
