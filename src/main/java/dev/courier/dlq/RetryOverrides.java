package dev.courier.dlq;

import dev.courier.model.StoredMessage;

/**
 * What a DLQ retry request changes in the new message (qstash-api.md §11: "request headers such as
 * {@code Upstash-Retries: 0} override the original configuration"); null keeps the dead message's value.
 *
 * @param notBefore when the new message is due (unix ms); null: at once
 */
public record RetryOverrides(Integer maxRetries, String retryDelayExpression, Long timeoutMs, String method,
    Long notBefore) {
  public static final RetryOverrides NONE = new RetryOverrides(null, null, null, null, null);

  /** The new message: the dead one's body, headers and options, these overrides, created now. */
  StoredMessage apply(StoredMessage dead, long now) {
    return new StoredMessage(dead.url(), method != null ? method : dead.method(), dead.headers(),
        maxRetries != null ? maxRetries : dead.maxRetries(),
        retryDelayExpression != null ? retryDelayExpression : dead.retryDelayExpression(),
        timeoutMs != null ? timeoutMs : dead.timeoutMs(), now, notBefore != null ? notBefore : now, dead.callerIp(),
        dead.labels(), dead.body(), dead.queueName(), dead.topicName(), dead.endpointName(), dead.flowControl(),
        dead.callbacks(), dead.redaction(), dead.scheduleId());
  }
}
