package dev.courier.model;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * A validated message ready to be stored.
 *
 * @param headers encoded with {@link HeaderCodec}: forwarded headers (prefix removed) and Content-Type
 * @param retryDelayExpression null for the default backoff
 * @param dedupHash sha256 hex of the dedup scope, null when the message is not deduplicated
 * @param queueName the queue it is enqueued to, null when none; its gate then decides when it starts
 * @param topicName the URL group it was published to, null when none
 * @param endpointName the name of its group's endpoint, null when none or unnamed
 * @param flowControl its flow-control key and limits, null when none; the key's gate decides when it starts
 * @param callbacks its callbacks, null when none
 * @param redaction what of it the API hides, null when nothing
 * @param scheduleId the schedule whose fire created it, null when none
 */
public record NewMessage(
    String id,
    String url,
    String method,
    String headers,
    Buffer body,
    int maxRetries,
    String retryDelayExpression,
    long timeoutMs,
    long createdAt,
    long notBefore,
    String callerIp,
    List<String> labels,
    String dedupHash,
    String queueName,
    String topicName,
    String endpointName,
    FlowControl flowControl,
    Callbacks callbacks,
    Redaction redaction,
    String scheduleId) {

  /** A message no schedule created. */
  public NewMessage(String id, String url, String method, String headers, Buffer body, int maxRetries,
      String retryDelayExpression, long timeoutMs, long createdAt, long notBefore, String callerIp, List<String> labels,
      String dedupHash, String queueName, String topicName, String endpointName, FlowControl flowControl,
      Callbacks callbacks, Redaction redaction) {
    this(id, url, method, headers, body, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore, callerIp,
        labels, dedupHash, queueName, topicName, endpointName, flowControl, callbacks, redaction, null);
  }

  /** A message without callbacks. */
  public NewMessage(String id, String url, String method, String headers, Buffer body, int maxRetries,
      String retryDelayExpression, long timeoutMs, long createdAt, long notBefore, String callerIp, List<String> labels,
      String dedupHash, String queueName, String topicName, String endpointName, FlowControl flowControl) {
    this(id, url, method, headers, body, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore, callerIp,
        labels, dedupHash, queueName, topicName, endpointName, flowControl, null, null);
  }

  /** A message in no queue. */
  public NewMessage(String id, String url, String method, String headers, Buffer body, int maxRetries,
      String retryDelayExpression, long timeoutMs, long createdAt, long notBefore, String callerIp, List<String> labels,
      String dedupHash) {
    this(id, url, method, headers, body, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore, callerIp,
        labels, dedupHash, null);
  }

  /** A message in a queue or none, not from a URL group, without flow control. */
  public NewMessage(String id, String url, String method, String headers, Buffer body, int maxRetries,
      String retryDelayExpression, long timeoutMs, long createdAt, long notBefore, String callerIp, List<String> labels,
      String dedupHash, String queueName) {
    this(id, url, method, headers, body, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore, callerIp,
        labels, dedupHash, queueName, null, null, null);
  }

  /** The part kept in Redis as one field. */
  public StoredMessage stored() {
    return new StoredMessage(url, method, headers, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore,
        callerIp, labels, body, queueName, topicName, endpointName, flowControl, callbacks, redaction, scheduleId);
  }

  /** The same message, created by a fire of schedule {@code schedule}. */
  public NewMessage withScheduleId(String schedule) {
    return new NewMessage(this.id, url, method, headers, body, maxRetries, retryDelayExpression, timeoutMs, createdAt,
        notBefore, callerIp, labels, dedupHash, queueName, topicName, endpointName, flowControl, callbacks, redaction,
        schedule);
  }

  /** The gate that decides when it starts, null when none. */
  public String gate() {
    return queueName != null ? Gates.queue(queueName) : flowControl != null ? Gates.flowControl(flowControl.key()) : null;
  }
}
