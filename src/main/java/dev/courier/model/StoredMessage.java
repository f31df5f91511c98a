package dev.courier.model;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * The immutable part of a message, as stored in one binary field ({@link MessageCodec}); the mutable
 * part (attempts made, lease token) lives in fields of its own so scripts can change it in place.
 *
 * @param headers encoded with {@link HeaderCodec}
 * @param retryDelayExpression null for the default backoff
 * @param callerIp null when unknown
 * @param queueName the queue it was enqueued to, null when none
 * @param topicName the URL group it was published to, null when none
 * @param endpointName the name of its group's endpoint, null when none or unnamed
 * @param flowControl its flow-control key and limits, null when none
 * @param callbacks its callbacks, or what it is the callback of; null when neither
 * @param redaction what of it the API hides, null when nothing
 * @param scheduleId the schedule whose fire created it, null when none
 */
public record StoredMessage(
    String url,
    String method,
    String headers,
    int maxRetries,
    String retryDelayExpression,
    long timeoutMs,
    long createdAt,
    long notBefore,
    String callerIp,
    List<String> labels,
    Buffer body,
    String queueName,
    String topicName,
    String endpointName,
    FlowControl flowControl,
    Callbacks callbacks,
    Redaction redaction,
    String scheduleId) {

  /** A message no schedule created. */
  public StoredMessage(String url, String method, String headers, int maxRetries, String retryDelayExpression,
      long timeoutMs, long createdAt, long notBefore, String callerIp, List<String> labels, Buffer body,
      String queueName, String topicName, String endpointName, FlowControl flowControl, Callbacks callbacks,
      Redaction redaction) {
    this(url, method, headers, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore, callerIp, labels,
        body, queueName, topicName, endpointName, flowControl, callbacks, redaction, null);
  }

  /** A message without redaction. */
  public StoredMessage(String url, String method, String headers, int maxRetries, String retryDelayExpression,
      long timeoutMs, long createdAt, long notBefore, String callerIp, List<String> labels, Buffer body,
      String queueName, String topicName, String endpointName, FlowControl flowControl, Callbacks callbacks) {
    this(url, method, headers, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore, callerIp, labels,
        body, queueName, topicName, endpointName, flowControl, callbacks, null);
  }

  /** A message without callbacks. */
  public StoredMessage(String url, String method, String headers, int maxRetries, String retryDelayExpression,
      long timeoutMs, long createdAt, long notBefore, String callerIp, List<String> labels, Buffer body,
      String queueName, String topicName, String endpointName, FlowControl flowControl) {
    this(url, method, headers, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore, callerIp, labels,
        body, queueName, topicName, endpointName, flowControl, null);
  }

  /** A message in no queue. */
  public StoredMessage(String url, String method, String headers, int maxRetries, String retryDelayExpression,
      long timeoutMs, long createdAt, long notBefore, String callerIp, List<String> labels, Buffer body) {
    this(url, method, headers, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore, callerIp, labels,
        body, null);
  }

  /** A message in a queue or none, not from a URL group, without flow control. */
  public StoredMessage(String url, String method, String headers, int maxRetries, String retryDelayExpression,
      long timeoutMs, long createdAt, long notBefore, String callerIp, List<String> labels, Buffer body,
      String queueName) {
    this(url, method, headers, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore, callerIp, labels,
        body, queueName, null, null, null);
  }
}
