package dev.courier.dispatch;

import dev.courier.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.List;

/**
 * Hands leased messages to this node's dispatchers: one bus message per dispatcher, not per delivery
 * (each bus message is a hop to another event loop); the bus round-robins among the dispatchers. Used
 * by the wheel for what it claimed and by ingest for immediate messages it stored already leased.
 */
public final class Handoff {
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final int dispatchers;

  public Handoff(Vertx vertx, int dispatchers) {
    this.vertx = vertx;
    this.dispatchers = dispatchers;
  }

  public void hand(List<Delivery> batch) {
    if (batch.isEmpty()) {
      return;
    }
    int parts = Math.min(dispatchers, batch.size());
    int size = (batch.size() + parts - 1) / parts;
    for (int from = 0; from < batch.size(); from += size) {
      vertx.eventBus().send(Addresses.DISPATCH_DELIVER,
          new DeliveryBatch(batch.subList(from, Math.min(batch.size(), from + size))), LOCAL);
    }
  }
}
