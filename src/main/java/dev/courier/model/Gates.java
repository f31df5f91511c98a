package dev.courier.model;

/**
 * Names of gates: what decides when a gated message may start (design.md §3a). A gate is named by its
 * kind and its name, so that queues and flow-control keys of the same name are different gates.
 */
public final class Gates {
  private Gates() {}

  /** The gate of a queue. */
  public static String queue(String queueName) {
    return "q:" + queueName;
  }

  /** The gate of a flow-control key. */
  public static String flowControl(String key) {
    return "f:" + key;
  }

  /** The name of a gate without its kind: what its shard is routed by. */
  public static String name(String gate) {
    return gate.substring(gate.indexOf(':') + 1);
  }
}
