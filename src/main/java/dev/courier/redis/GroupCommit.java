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

  /** @param flush must answer one result per item, in order */
  public GroupCommit(Context context, int maxBatch, Function<List<T>, Future<List<R>>> flush) {
    this.context = context;
    this.maxBatch = maxBatch;
    this.flush = flush;
  }

  public Future<R> submit(T item) {
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
      schedule();
    }
    return promise.future();
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
