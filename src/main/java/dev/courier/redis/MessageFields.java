package dev.courier.redis;

/**
 * Field names of a message hash ({@link Keys#message}). Short names keep a pending message small in
 * Redis; the Lua scripts use the same literals.
 */
public final class MessageFields {
  public static final String URL = "url";
  public static final String METHOD = "method";
  /** Forwarded headers plus Content-Type, encoded by {@link dev.courier.model.HeaderCodec}. */
  public static final String HEADERS = "hdr";
  /** The raw body bytes. */
  public static final String BODY = "body";
  public static final String MAX_RETRIES = "retries";
  /** Attempts already made; sent as Upstash-Retried. */
  public static final String RETRIED = "retried";
  /** Upstash-Retry-Delay source, absent for the default backoff. */
  public static final String RETRY_EXPR = "expr";
  public static final String TIMEOUT = "timeout";
  public static final String CALLER_IP = "ip";
  public static final String CREATED_AT = "created";
  /** First due time (Upstash-Not-Before / delay), ms. */
  public static final String NOT_BEFORE = "due";
  /** Comma-joined labels. */
  public static final String LABELS = "labels";
  /** The token of the lease that currently holds the message; fences outcome writes. */
  public static final String LEASE = "lease";

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
