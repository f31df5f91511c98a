package dev.courier.dispatch;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's delivery credit: how many more attempts its dispatchers may have in flight. The wheel
 * claims from Redis only what it could acquire here, so nothing piles up in memory (design.md
 * invariant 5); a dispatcher gives the credit back when an attempt's outcome is written.
 *
 * <p>Shared by the wheel and the dispatchers, which run on different event loops, hence atomics.
 */
public final class DispatchCredit {
  private final AtomicInteger free;
  private final AtomicBoolean starved = new AtomicBoolean();
  private final AtomicBoolean wheelBehind = new AtomicBoolean();
  private volatile Runnable onFreed = () -> {};
  /** Told of every release: ingest's publishes waiting for credit ({@link CreditWait}), one per API event loop. */
  private final List<Runnable> releaseListeners = new CopyOnWriteArrayList<>();
  /** The node is stopping: it takes no more work (see {@link #close}). */
  private volatile boolean closed;

  public DispatchCredit(int capacity) {
    this.free = new AtomicInteger(capacity);
  }

  /** Called when credit comes back after the wheel ran out of it. */
  public void onFreed(Runnable action) {
    this.onFreed = action;
  }

  /** Called after every release, on the releasing thread: it must only hand the news to its own event loop. */
  public void onRelease(Runnable listener) {
    releaseListeners.add(listener);
  }

  /**
   * The node stops: from now on nothing more is granted, so neither the wheel nor ingest's direct hand-off starts
   * an attempt, while the attempts held finish and give their credit back as usual. Closed at the start of the
   * stop, not when the wheel's turn to stop comes: in between (the API drains its requests first) the wheel went on
   * claiming with the credit that finished attempts gave back (chaos.GracefulShutdownTest).
   */
  public void close() {
    closed = true;
  }

  /** Takes up to {@code wanted} credits and returns how many were granted (possibly 0, always 0 once closed). */
  public int acquire(int wanted) {
    if (closed) {
      return 0;
    }
    while (true) {
      int now = free.get();
      int granted = Math.min(now, wanted);
      if (granted <= 0) {
        starved.set(true);
        return 0;
      }
      if (free.compareAndSet(now, now - granted)) {
        return granted;
      }
    }
  }

  /**
   * Takes one credit even when none is free, for the callback of an attempt that just ended: that attempt's
   * own credit comes back as soon as its outcome is written, so this is a hand-over, not growth (the node
   * exceeds its capacity by at most the attempts whose outcome is being written at that instant, and only until
   * they are). Without it, a node at capacity sent every callback through the wheel's claim.
   *
   * @return false once closed: the callback then waits on the wheel for another node
   */
  public boolean handOver() {
    if (closed) {
      return false;
    }
    free.decrementAndGet();
    return true;
  }

  /**
   * Ingest put immediate messages on the wheel for want of credit. Until the wheel has caught up, ingest
   * sends every immediate message the same way: credit that comes back must go to the messages that
   * waited longest, or they wait behind every newer one that could be handed over directly.
   */
  public void wheelFellBehind() {
    wheelBehind.set(true);
  }

  /** The wheel claimed everything due with credit to spare. */
  public void wheelCaughtUp() {
    wheelBehind.set(false);
  }

  public boolean wheelBehind() {
    return wheelBehind.get();
  }

  /** Credit not taken at this instant. */
  public int free() {
    return free.get();
  }

  public void release(int n) {
    if (n <= 0) {
      return;
    }
    free.addAndGet(n);
    for (Runnable listener : releaseListeners) {
      listener.run();
    }
    if (starved.compareAndSet(true, false)) {
      onFreed.run();
    }
  }
}
