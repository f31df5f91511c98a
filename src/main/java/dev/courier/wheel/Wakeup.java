package dev.courier.wheel;

import io.vertx.core.Context;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Wakes the wheel early, from any thread: when an immediate message was stored on this node, or when
 * delivery credit came back. Coalesced: many signals before the wheel runs cost one task.
 */
public final class Wakeup implements Runnable {
  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile Context context;
  private volatile Runnable action;

  void bind(Context context, Runnable action) {
    this.action = action;
    this.context = context;
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
