package dev.courier.redis;

import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * A periodic call (a checkpoint, a trim, a scheduler round, a sample) that runs one at a time, and that a verticle's
 * stop lets finish before it closes the Redis connection the call uses: closed under it, the call failed with
 * CONNECTION_CLOSED, a WARN on a clean stop, and a scheduler round lost a fire it had claimed. Used on one event
 * loop (not thread-safe).
 */
public final class OneAtATime<T> {
  private Future<T> last;

  /** Whether a call started here has not completed yet. */
  public boolean busy() {
    return last != null && !last.isComplete();
  }

  /** Starts {@code call} unless one is under way; its future, or null when it was not started. */
  public Future<T> run(Supplier<Future<T>> call) {
    if (busy()) {
      return null;
    }
    last = call.get();
    return last;
  }

  /** Completes once no call is under way, whatever the last one's outcome. */
  public Future<Void> idle() {
    return last == null ? Future.succeededFuture() : last.transform(ar -> Future.succeededFuture());
  }
}
