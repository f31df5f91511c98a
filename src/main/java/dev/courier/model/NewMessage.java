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
    String queueName) {

  /** A message in no queue. */
  public NewMessage(String id, String url, String method, String headers, Buffer body, int maxRetries,
      String retryDelayExpression, long timeoutMs, long createdAt, long notBefore, String callerIp, List<String> labels,
      String dedupHash) {
    this(id, url, method, headers, body, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore, callerIp,
        labels, dedupHash, null);
  }

  /** The part kept in Redis as one field. */
  public StoredMessage stored() {
    return new StoredMessage(url, method, headers, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore,
        callerIp, labels, body, queueName);
  }

  /** The gate that decides when it starts, null when none. */
  public String gate() {
    return queueName == null ? null : Gates.queue(queueName);
  }
}
