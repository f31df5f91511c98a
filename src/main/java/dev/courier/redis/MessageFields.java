package dev.courier.redis;

/**
 * Field names of a message hash ({@link Keys#message}); the Lua scripts use the same literals. The
 * immutable message is one binary field ({@link dev.courier.model.MessageCodec}); the fields a script
 * reads or changes in place are kept apart.
 */
public final class MessageFields {
  /** The message: url, method, headers, options and body, encoded by MessageCodec. */
  public static final String MESSAGE = "m";
  /** Per-attempt timeout (ms): the claim script derives the lease deadline from it. */
  public static final String TIMEOUT = "t";
  /** Attempts already made; sent as Upstash-Retried. */
  public static final String RETRIED = "r";
  /** The token of the lease that currently holds the message; fences outcome writes. */
  public static final String LEASE = "l";

  // Added when a message becomes a dead letter.
  public static final String MESSAGE_ID = "id";
  public static final String DLQ_ID = "dlqId";
  public static final String FAILED_AT = "failed";
  public static final String RESPONSE_STATUS = "rstatus";
  public static final String RESPONSE_HEADERS = "rhdr";
  public static final String RESPONSE_BODY = "rbody";
  public static final String ERROR = "error";

  private MessageFields() {}
}
