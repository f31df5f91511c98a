package dev.courier.dispatch;

import dev.courier.retry.Backoff;
import dev.courier.retry.RetryAfter;
import dev.courier.retry.RetryDelayExpression;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decides what follows an attempt (qstash-api.md §9): 2xx delivers; 489 with
 * {@code Upstash-NonRetryable-Error: true} is dead at once; otherwise the message retries while it has
 * retries left, after the response's Retry-After family if present, else the message's retry-delay
 * expression, else the default backoff {@code min(1 day, e^(2.5·n)) s}.
 *
 * <p>Jitter: the default backoff is spread by ±20 % and a server's Retry-After by up to +20 % (it stays the
 * floor), so that the retries of many messages that failed together against one destination do not all
 * reach it in the same millisecond when it comes back (Svix spreads the same way). A user's retry-delay
 * expression is honoured as written.
 */
public final class RetryPolicy {
  static final long MAX_DELAY_MS = 86_400_000L;
  static final double JITTER = 0.2;

  private RetryPolicy() {}

  public static Outcome decide(Delivery d, AttemptResult r, long now) {
    if (r.success()) {
      return new Outcome.Delivered(r);
    }
    if (r.status() == 489 && "true".equalsIgnoreCase(r.headers().get("Upstash-NonRetryable-Error"))) {
      return new Outcome.Dead(r);
    }
    if (r.denied()) {
      return new Outcome.Dead(r); // the SSRF guard: into the DLQ with the reason, no retries
    }
    if (d.retried() >= d.message().maxRetries()) {
      return new Outcome.Dead(r);
    }
    return new Outcome.Retry(now + delayMillis(d, r, now, ThreadLocalRandom.current().nextDouble()), r);
  }

  /** @param random uniform in [0, 1): where in its jitter band the delay falls */
  static long delayMillis(Delivery d, AttemptResult r, long now, double random) {
    if (r.hasResponse()) {
      OptionalLong fromServer = RetryAfter.delayMillis(r.headers()::get, now);
      if (fromServer.isPresent()) {
        return Math.round(fromServer.getAsLong() * (1 + JITTER * random));
      }
    }
    String expr = d.message().retryDelayExpression();
    if (expr != null) {
      try {
        // `retried` counts retries so far: 0 before the first retry (§9).
        return Math.min(MAX_DELAY_MS, Math.max(0, RetryDelayExpression.parse(expr).delayMillis(d.retried())));
      } catch (IllegalArgumentException e) {
        // Validated at publish; a stored expression that no longer parses falls back to the default.
      }
    }
    return Math.round(Backoff.defaultDelayMillis(d.retried() + 1) * (1 - JITTER + 2 * JITTER * random));
  }
}
