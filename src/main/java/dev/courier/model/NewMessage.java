package dev.courier.model;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * A validated message ready to be stored.
 *
 * @param headers encoded with {@link HeaderCodec}: forwarded headers (prefix removed) and Content-Type
 * @param retryDelayExpression null for the default backoff
 * @param dedupHash sha256 hex of the dedup scope, null when the message is not deduplicated
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
    String dedupHash) {

  /** The part kept in Redis as one field. */
  public StoredMessage stored() {
    return new StoredMessage(url, method, headers, maxRetries, retryDelayExpression, timeoutMs, createdAt, notBefore,
        callerIp, labels, body);
  }
}
