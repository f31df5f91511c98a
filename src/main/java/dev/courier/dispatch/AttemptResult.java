package dev.courier.dispatch;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * What one HTTP attempt produced: a response (status, headers, the body up to the configured size),
 * or a network-level failure (connection refused, timeout), which has no status.
 */
public record AttemptResult(int status, MultiMap headers, Buffer body, String error) {
  /** How the error of an attempt the SSRF guard stopped begins: such a message is not retried. */
  static final String DENIED = "destination not allowed: ";
  /** How a timed-out attempt's error begins ({@link #timedOut()}). */
  static final String TIMEOUT = "timeout after ";

  public static AttemptResult network(String error) {
    return new AttemptResult(0, null, null, error);
  }

  /** The SSRF guard refused the address the destination resolved to (nothing was sent). */
  static AttemptResult denied(String address, String why) {
    return new AttemptResult(0, null, null, DENIED + address + ": " + why);
  }

  /** Whether the SSRF guard stopped it: retrying could only meet the same address. */
  public boolean denied() {
    return status == 0 && error != null && error.startsWith(DENIED);
  }

  public boolean hasResponse() {
    return status > 0;
  }

  /** No answer within the message's timeout (one that answered in part has a response). */
  public boolean timedOut() {
    return !hasResponse() && error != null && error.startsWith(TIMEOUT);
  }

  public boolean success() {
    return status >= 200 && status < 300;
  }
}
