package dev.courier.eventlog;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What the event log keeps of a message, written once when it is CREATED; every later event of the message
 * refers to it by id. Header and body are already redacted as the message asked (qstash-api.md §18).
 *
 * @param header the forwarded headers as §5.8 shows them: name → array of values
 * @param bodyBase64 the body in base64, as log entries carry it (§5.8), or {@code REDACTED:<hex>}; null when empty.
 *     Either holds no character that JSON escapes: the writer copies it as it is (JsonText#putPlain)
 * @param host the destination's host, for the {@code host} filter; null for a URL-group message without one
 * @param path the destination's path, for the {@code path} filter
 * @param callback the callback URL, null when none; {@code failureCallback} likewise
 */
public record LoggedMessage(
    String messageId,
    long createdAt,
    String url,
    String host,
    String path,
    String method,
    JsonObject header,
    String bodyBase64,
    String topicName,
    String endpointName,
    String queueName,
    String scheduleId,
    List<String> labels,
    String callerIp,
    String flowControlKey,
    long timeoutMs,
    int maxRetries,
    String retryDelayExpression,
    String callback,
    String failureCallback) {}
