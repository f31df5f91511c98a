package dev.courier.dispatch;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Lease tokens of one node: unique across nodes (the node id) and across this node's event loops (one
 * shared counter), so that an outcome write fenced by a token can only be the holder's.
 */
public final class LeaseTokens {
  private final String nodeId;
  private final AtomicLong counter = new AtomicLong();

  public LeaseTokens(String nodeId) {
    this.nodeId = nodeId;
  }

  public String next() {
    return nodeId + ":" + counter.incrementAndGet();
  }
}
