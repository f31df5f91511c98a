package dev.courier.dispatch;

import dev.courier.model.StoredMessage;

/**
 * One leased message on its way to a dispatcher.
 *
 * @param retried attempts already made; sent as {@code Upstash-Retried}
 * @param leaseToken fences the outcome write: it is void once the lease expired and was reaped
 * @param dueAt when it may be sent, unix ms: the wheel claims what falls due before its next tick, and
 *     the dispatcher holds such a message until then (never early)
 * @param takenAtOnce a callback message its source's ack stored leased to this node, not claimed from the wheel:
 *     then it holds no gate's permit (OutcomeWriter's callback linger needs to know; the gate is only in Redis)
 */
public record Delivery(int shard, String id, StoredMessage message, int retried, String leaseToken, long dueAt,
    boolean takenAtOnce) {
  /** A delivery claimed from the wheel or dispatched by its publish. */
  public Delivery(int shard, String id, StoredMessage message, int retried, String leaseToken, long dueAt) {
    this(shard, id, message, retried, leaseToken, dueAt, false);
  }
}
