package dev.courier.wheel;

import io.vertx.core.Context;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Wakes the wheel early, from any thread: when an immediate message was stored on this node, or when
 * delivery credit came back. Coalesced: many signals before the wheel runs cost one task.
 */
public final class Wakeup implements Runnable {
  private final AtomicBoolean pending = new AtomicBoolean();
  /** Per shard (a bit each, 64 to a word): a gate there can start a message, so claim without counting first. */
  private final AtomicLongArray gatesReady = new AtomicLongArray(1024 / 64);
  private volatile Context context;
  private volatile Runnable action;

  void bind(Context context, Runnable action) {
    this.action = action;
    this.context = context;
  }

  /**
   * An outcome gave a permit back to a gate of {@code shard} that has ready work: the wheel claims that shard
   * at once, skipping the count it would otherwise make first (one round trip less between one message of a
   * parallelism-1 queue and the next).
   */
  public void gateReady(int shard) {
    gatesReady.getAndAccumulate(shard >>> 6, 1L << (shard & 63), (a, b) -> a | b);
    run();
  }

  /** Whether {@link #gateReady} was called for {@code shard} since the last look; clears it. */
  boolean takeGateReady(int shard) {
    long bit = 1L << (shard & 63);
    return (gatesReady.getAndAccumulate(shard >>> 6, ~bit, (a, b) -> a & b) & bit) != 0;
  }

  @Override
  public void run() {
    Context ctx = context;
    if (ctx != null && pending.compareAndSet(false, true)) {
      ctx.runOnContext(v -> {
        pending.set(false);
        action.run();
      });
    }
  }
}
