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
 * <p>With a linger, a batch that starts while nothing is out waits up to that long for company (or until it is
 * full), and {@link #submitNow} takes an item that must not wait: it leaves at the end of the turn with whatever
 * lingers. Under load nothing changes, since a batch that waited for the one out leaves at the end of the turn as
 * before; between bursts a trickle goes out in fewer calls. At moderate rates Redis's cost is per call more than
 * per item (each call wakes it, reads, replies and writes its AOF), so fewer calls is less Redis CPU.
 *
 * <p>Belongs to one context (one verticle instance); not thread-safe.
 */
public final class GroupCommit<T, R> {
  private final Context context;
  private final int maxBatch;
  private final long lingerMs;
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
    this(context, maxBatch, 0, flush);
  }

  /** @param lingerMs how long a batch started while nothing is out waits for company; 0: the end of the turn */
  public GroupCommit(Context context, int maxBatch, long lingerMs, Function<List<T>, Future<List<R>>> flush) {
    this.context = context;
    this.maxBatch = maxBatch;
    this.lingerMs = lingerMs;
    this.flush = flush;
  }

  public Future<R> submit(T item) {
    return add(item, lingerMs > 0);
  }

  /** As {@link #submit}, for an item that must not linger: it leaves at the end of this turn if nothing is out. */
  public Future<R> submitNow(T item) {
    return add(item, false);
  }

  private Future<R> add(T item, boolean linger) {
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
      if (linger) {
        linger();
      } else {
        schedule();
      }
    }
    return promise.future();
  }

  private void linger() {
    if (lingerTimer < 0 && !scheduled) {
      lingerTimer = context.owner().setTimer(lingerMs, id -> {
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
