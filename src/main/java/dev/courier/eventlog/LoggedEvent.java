package dev.courier.eventlog;

import io.vertx.core.json.JsonObject;

/**
 * One state change of one message (qstash-api.md §12).
 *
 * @param key unique and stable across replays (the outbox entry it came from and its place in it): an event read
 *     again after a crash has the same key, so it is stored once
 * @param state CREATED, ACTIVE, RETRY, ERROR, DELIVERED, FAILED, CANCEL_REQUESTED or CANCELED
 * @param nextDeliveryTime unix ms, on RETRY; null otherwise
 * @param responseStatus on ERROR and FAILED when the destination answered; null otherwise
 * @param responseHeader on ERROR and FAILED when the destination answered: name → array of values
 * @param responseBodyBase64 likewise, base64 (copied into the row as it is, JsonText#putPlain)
 * @param error why an attempt failed, on ERROR and FAILED (a timeout, a refused connection, a status)
 */
public record LoggedEvent(
    String key,
    String messageId,
    String state,
    long time,
    Long nextDeliveryTime,
    Integer responseStatus,
    JsonObject responseHeader,
    String responseBodyBase64,
    String error) {}
