package dev.courier.bus;

/** Event-bus addresses: local only; Redis, never the bus, is the durable hand-off. */
public final class Addresses {
  /** Wheel → dispatchers: one claimed {@link dev.courier.dispatch.Delivery}. */
  public static final String DISPATCH_DELIVER = "dispatch.deliver";

  private Addresses() {}
}
