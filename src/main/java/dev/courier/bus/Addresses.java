package dev.courier.bus;

/** Event-bus addresses: local only; Redis, never the bus, is the durable hand-off. */
public final class Addresses {
  /** Wheel → dispatchers: a {@link dev.courier.dispatch.DeliveryBatch} of claimed messages. */
  public static final String DISPATCH_DELIVER = "dispatch.deliver";

  private Addresses() {}
}
