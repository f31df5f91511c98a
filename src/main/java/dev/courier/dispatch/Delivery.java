package dev.courier.dispatch;

import io.vertx.core.buffer.Buffer;

/**
 * One leased message on its way to a dispatcher (wheel → dispatch over the local event bus).
 *
 * @param headers encoded with {@link dev.courier.model.HeaderCodec}
 * @param retried attempts already made; sent as {@code Upstash-Retried}
 * @param retryDelayExpression null for the default backoff
 * @param leaseToken fences the outcome write: it is void once the lease expired and was reaped
 */
public record Delivery(
    int shard,
    String id,
    String url,
    String method,
    String headers,
    Buffer body,
    int maxRetries,
    int retried,
    String retryDelayExpression,
    long timeoutMs,
    String callerIp,
    long createdAt,
    String leaseToken) {}
