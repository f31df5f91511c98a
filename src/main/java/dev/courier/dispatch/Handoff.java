package dev.courier.dispatch;

import dev.courier.bus.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Hands leased messages to this node's dispatchers, two ways:
 * <ul>
 *   <li>{@link #spread}: the wheel's claims, split into one bus message per dispatcher (not per
 *       delivery: each bus message is a hop to another event loop); the bus round-robins.</li>
 *   <li>{@link #local}: ingest's immediate messages, to the dispatcher on the caller's own event loop
 *       when there is one, as a task on that loop: no cross-thread wake-up, and the message stays on
 *       the core that parsed it. The HTTP server already spreads publishers over the event loops.</li>
 * </ul>
 */
public final class Handoff {
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private record Local(Context context, Consumer<List<Delivery>> dispatcher) {}

  private final Vertx vertx;
  private final int dispatchers;
  private final String address;
  private final Map<Thread, Local> byThread = new ConcurrentHashMap<>();

  /** @param node names this node's dispatchers on the bus ({@link Addresses#dispatchDeliver}) */
  public Handoff(Vertx vertx, int dispatchers, String node) {
    this.vertx = vertx;
    this.dispatchers = dispatchers;
    this.address = Addresses.dispatchDeliver(node);
  }

  /** The bus address this node's dispatchers consume. */
  public String address() {
    return address;
  }

  /** Called by a dispatcher from its own event loop when it starts. */
  public void register(Context context, Consumer<List<Delivery>> dispatcher) {
    byThread.put(Thread.currentThread(), new Local(context, dispatcher));
  }

  /** Called by a dispatcher when it stops; leaves another dispatcher's entry for the same loop alone. */
  public void unregister(Context context) {
    byThread.values().removeIf(l -> l.context() == context);
  }

  public void spread(List<Delivery> batch) {
    if (batch.isEmpty()) {
      return;
    }
    int parts = Math.min(dispatchers, batch.size());
    int size = (batch.size() + parts - 1) / parts;
    for (int from = 0; from < batch.size(); from += size) {
      vertx.eventBus().send(address,
          new DeliveryBatch(batch.subList(from, Math.min(batch.size(), from + size))), LOCAL);
    }
  }

  public void local(List<Delivery> batch) {
    Local here = byThread.get(Thread.currentThread());
    if (here == null) {
      spread(batch);
    } else {
      here.context().runOnContext(v -> here.dispatcher().accept(batch));
    }
  }
}
