package dev.courier.model;

/** A configured quota would be passed (URL groups, endpoints per group): the API answers 412. */
public final class LimitExceededException extends RuntimeException {
  public LimitExceededException(String message) {
    super(message, null, false, false);
  }
}
