package dev.courier.model;

/**
 * What a message fires after its attempts (qstash-api.md §10), or, for a callback message, what it is the
 * callback of (a callback fires no callbacks of its own).
 *
 * @param callback fired after every attempt; null when none
 * @param failureCallback fired once after the final failure; null when none
 * @param sourceMessageId for a callback message: the message it reports on; null otherwise
 * @param kind for a callback message: {@code callback} or {@code failureCallback}; null otherwise
 */
public record Callbacks(CallbackSpec callback, CallbackSpec failureCallback, String sourceMessageId, String kind) {
  public static final String CALLBACK = "callback";
  public static final String FAILURE_CALLBACK = "failureCallback";

  /** What a callback message carries: which message and which of its callbacks it is. */
  public static Callbacks of(String sourceMessageId, String kind) {
    return new Callbacks(null, null, sourceMessageId, kind);
  }
}
