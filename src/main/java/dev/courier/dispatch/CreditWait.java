package dev.courier.dispatch;

import dev.courier.metrics.CourierMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Immediate publishes that found the node's delivery credit taken wait here for attempts to end, in the order they
 * came, for at most {@code delivery.direct-wait-ms}: a message stored leased and handed over directly costs Redis a
 * lease, where one put on the wheel costs a place on it, a claim and its body read back out of Redis. Without the
 * wait, a node whose credit is full (its messages' callbacks double the deliveries per publish) sent every publish
 * through the wheel once the first one found no credit, and the larger sets and the claims made each message dearer
 * (docs/performance.md, "Publishes wait for credit"). A publisher that sends faster than the node delivers is held
 * back by the wait instead, up to its bound; past it the message goes on the wheel as before.
 *
 * <p>One per ingest event loop: its queue is touched only there; {@link DispatchCredit#release} (on the dispatchers'
 * loops) only wakes it.
 */
public final class CreditWait {
  private final Context context;
  private final DispatchCredit credit;
  private final long maxWaitMs;
  private final CourierMetrics metrics;
  private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  /** Whether anything waits: read on the releasing threads. */
  private volatile boolean waiting;
  private final AtomicBoolean wakeScheduled = new AtomicBoolean();

  private static final class Waiter {
    final int wanted;
    final Promise<Integer> done = Promise.promise();
    long timer;

    Waiter(int wanted) {
      this.wanted = wanted;
    }
  }

  /**
   * @param maxWaitMs how long a publish waits at most; 0: it never waits (what is not free goes on the wheel)
   * @param metrics counts the waits by how they ended
   */
  public CreditWait(Context context, DispatchCredit credit, long maxWaitMs, CourierMetrics metrics) {
    this.context = context;
    this.metrics = metrics;
    this.credit = credit;
    this.maxWaitMs = maxWaitMs;
    if (maxWaitMs > 0) {
      credit.onRelease(() -> {
        if (waiting && wakeScheduled.compareAndSet(false, true)) {
          context.runOnContext(v -> serve());
        }
      });
    }
  }

  /** Until when a publish batch starting now may wait. */
  public long deadline() {
    return System.currentTimeMillis() + maxWaitMs;
  }

  /**
   * Takes up to {@code wanted} credits: what is free now, or else, after the publishes that waited before it, what
   * is free once an attempt ends. Completes, on this wait's event loop, with how many it got: at least one, or none
   * once {@code deadline} (unix ms) passed (a stopping node grants no credit, so its waits run out there). A batch
   * that got fewer than it wanted stores that many and asks again for the rest: credit is not held idle while more
   * comes. Does not wait while the wheel is behind: those publishes queue on the wheel behind the messages already
   * there.
   */
  public Future<Integer> acquire(int wanted, long deadline) {
    if (wanted <= 0 || credit.wheelBehind()) {
      return Future.succeededFuture(0);
    }
    int granted = queue.isEmpty() ? credit.acquire(wanted) : 0;
    long left = deadline - System.currentTimeMillis();
    if (granted > 0 || maxWaitMs == 0 || left <= 0) {
      return Future.succeededFuture(granted);
    }
    Waiter w = new Waiter(wanted);
    queue.add(w);
    waiting = true;
    w.timer = context.owner().setTimer(left, t -> {
      if (queue.remove(w)) {
        waiting = !queue.isEmpty();
        metrics.creditWait(false);
        w.done.complete(0);
        serve(); // the next one may take what is free now
      }
    });
    serve(); // credit released between the acquire above and `waiting` set woke no one
    return w.done.future();
  }

  /** Hands freed credit to the waiting publishes, oldest first. */
  private void serve() {
    wakeScheduled.set(false);
    while (!queue.isEmpty()) {
      Waiter head = queue.peek();
      int granted = credit.acquire(head.wanted);
      if (granted == 0) {
        break;
      }
      queue.poll();
      context.owner().cancelTimer(head.timer);
      metrics.creditWait(true);
      head.done.complete(granted);
    }
    waiting = !queue.isEmpty();
  }
}
