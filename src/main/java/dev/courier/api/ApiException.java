package dev.courier.api;

/**
 * An error answered to the client as {@code {"error": message}} with {@code status} (qstash-api.md §1).
 * Messages are written for the client: they never contain secrets.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final Long retryAfterSeconds;

  public ApiException(int status, String message) {
    this(status, message, null);
  }

  public ApiException(int status, String message, Long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static ApiException badRequest(String message) {
    return new ApiException(400, message);
  }

  public static ApiException notFound(String message) {
    return new ApiException(404, message);
  }

  public int status() {
    return status;
  }

  public Long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
