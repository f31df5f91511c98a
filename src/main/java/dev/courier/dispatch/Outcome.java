package dev.courier.dispatch;

/** What happens to a message after an attempt. */
public sealed interface Outcome {
  /** A 2xx: the message is done ({@code response} is what a callback reports). */
  record Delivered(AttemptResult response) implements Outcome {}

  /** A failed attempt with retries left: back on the wheel at {@code dueAt}. */
  record Retry(long dueAt, AttemptResult last) implements Outcome {}

  /** Retries exhausted, or a 489 non-retryable response: into the DLQ with the last response. */
  record Dead(AttemptResult last) implements Outcome {}
}
