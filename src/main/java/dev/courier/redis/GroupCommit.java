package dev.courier.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Gathers submitted items and hands them to {@code flush} together, so that N publishes (or acks)
 * arriving together cost one Redis round trip and one transaction instead of N. Each submitter gets its
 * own result.
 *
 * <p>Group commit: while one batch is out, what arrives waits for it and leaves as the next batch when
 * it returns (or as soon as {@code maxBatch} items are waiting). When nothing is out a batch leaves at
 * the end of the current event-loop turn, so a lone item waits for nothing; under load the batches grow
 * with the round trip, and Redis reads, writes and wakes once per batch instead of once per few items.
 *
 * <p>An item may ask for a linger ({@link #submit(Object, long)}): a batch it starts while nothing is out waits up
 * to that long for company (or until it is full), and an item without a linger that comes meanwhile leaves at the
 * end of its turn with whatever lingers. Under load nothing changes, since a batch that waited for the one out
 * leaves at the end of the turn as before; between bursts a trickle goes out in fewer calls. At moderate rates Redis's cost is per call more than
 * per item (each call wakes it, reads, replies and writes its AOF), so fewer calls is less Redis CPU.
 *
 * <p>Belongs to one context (one verticle instance); not thread-safe.
 */
public final class GroupCommit<T, R> {
  private final Context context;
  private final int maxBatch;
  private final Function<List<T>, Future<List<R>>> flush;
  private List<T> items;
  private List<Promise<R>> promises;
  /** Batches handed to {@code flush} whose result has not come back yet. */
  private int out;
  /** A flush is queued on the context for the end of this turn. */
  private boolean scheduled;
  /** The timer of a lingering batch, -1 when none is set. */
  private long lingerTimer = -1;

  /** @param flush must answer one result per item, in order */
  public GroupCommit(Context context, int maxBatch, Function<List<T>, Future<List<R>>> flush) {
    this.context = context;
    this.maxBatch = maxBatch;
    this.flush = flush;
  }

  /** Submits an item that does not linger: it leaves at the end of this turn if nothing is out. */
  public Future<R> submit(T item) {
    return add(item, 0);
  }

  /**
   * As {@link #submit(Object)}, but a batch this item starts while nothing is out waits up to {@code lingerMs} for
   * company (0: none). A batch lingers by the item that started it.
   */
  public Future<R> submit(T item, long lingerMs) {
    return add(item, lingerMs);
  }

  private Future<R> add(T item, long linger) {
    Promise<R> promise = Promise.promise();
    if (items == null) {
      items = new ArrayList<>();
      promises = new ArrayList<>();
    }
    items.add(item);
    promises.add(promise);
    if (items.size() >= maxBatch) {
      flush();
    } else if (out == 0) {
      if (linger > 0) {
        linger(linger);
      } else {
        schedule();
      }
    }
    return promise.future();
  }

  private void linger(long ms) {
    if (lingerTimer < 0 && !scheduled) {
      lingerTimer = context.owner().setTimer(ms, id -> {
        lingerTimer = -1;
        if (out == 0) {
          flush();
        }
      });
    }
  }

  private void schedule() {
    if (!scheduled) {
      scheduled = true;
      context.runOnContext(v -> {
        scheduled = false;
        if (out == 0) {
          flush();
        }
      });
    }
  }

  private void flush() {
    if (lingerTimer >= 0) {
      context.owner().cancelTimer(lingerTimer);
      lingerTimer = -1;
    }
    List<T> batch = items;
    List<Promise<R>> waiting = promises;
    if (batch == null) {
      return; // nothing gathered since the last batch left
    }
    items = null;
    promises = null;
    out++;
    Future<List<R>> result;
    try {
      result = flush.apply(batch);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      out--;
      for (int i = 0; i < waiting.size(); i++) {
        if (ar.succeeded()) {
          waiting.get(i).complete(ar.result().get(i));
        } else {
          waiting.get(i).fail(ar.cause());
        }
      }
      // What gathered meanwhile leaves at the end of this turn, with whatever the completions above add.
      if (items != null && out == 0) {
        schedule();
      }
    });
  }
}
