package dev.courier.bus;

/** Event-bus addresses: local only; Redis, never the bus, is the durable hand-off. */
public final class Addresses {
  /**
   * Wheel → dispatchers of one node: a {@link dev.courier.dispatch.DeliveryBatch} of messages leased to that
   * node. Per node, because the lease token in each delivery is the node's: two nodes on one Vertx (tests do
   * that) must not deliver each other's messages.
   */
  public static String dispatchDeliver(String node) {
    return "dispatch.deliver." + node;
  }

  private Addresses() {}
}
