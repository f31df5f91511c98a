package dev.courier.redis;

/**
 * Field names of a dead letter's hash ({@link Keys#deadLetter}); the Lua scripts use the same literals.
 * A pending message is one entry of its shard's hash ({@link Keys#messages}); a dead letter keeps it as
 * one binary field ({@link dev.courier.model.MessageCodec}) beside what the failure added.
 */
public final class MessageFields {
  /** The message: url, method, headers, options and body, encoded by MessageCodec. */
  public static final String MESSAGE = "m";
  /** Retries made; sent as Upstash-Retried. */
  public static final String RETRIED = "r";

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
