package dev.courier.dispatch;

import dev.courier.model.StoredMessage;

/**
 * One leased message on its way to a dispatcher.
 *
 * @param retried attempts already made; sent as {@code Upstash-Retried}
 * @param leaseToken fences the outcome write: it is void once the lease expired and was reaped
 * @param dueAt when it may be sent, unix ms: the wheel claims what falls due before its next tick, and
 *     the dispatcher holds such a message until then (never early)
 */
public record Delivery(int shard, String id, StoredMessage message, int retried, String leaseToken, long dueAt) {}
