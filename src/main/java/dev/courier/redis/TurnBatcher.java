package dev.courier.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Gathers the items submitted during one event-loop turn and hands them to {@code flush} together, so
 * that N publishes (or acks) arriving together cost one script call instead of N: one Lua invocation,
 * one set of keys and one SHA on the wire, one reply to parse. Each submitter gets its own result.
 * Adds no latency: the batch leaves at the end of the current turn.
 *
 * <p>Belongs to one context (one verticle instance); not thread-safe.
 */
public final class TurnBatcher<T, R> {
  private final Context context;
  private final int maxBatch;
  private final Function<List<T>, Future<List<R>>> flush;
  private List<T> items;
  private List<Promise<R>> promises;

  /** @param flush must answer one result per item, in order */
  public TurnBatcher(Context context, int maxBatch, Function<List<T>, Future<List<R>>> flush) {
    this.context = context;
    this.maxBatch = maxBatch;
    this.flush = flush;
  }

  public Future<R> submit(T item) {
    Promise<R> promise = Promise.promise();
    if (items == null) {
      items = new ArrayList<>();
      promises = new ArrayList<>();
      context.runOnContext(v -> flush());
    }
    items.add(item);
    promises.add(promise);
    if (items.size() >= maxBatch) {
      flush();
    }
    return promise.future();
  }

  private void flush() {
    List<T> batch = items;
    List<Promise<R>> waiting = promises;
    if (batch == null) {
      return; // already flushed because it was full
    }
    items = null;
    promises = null;
    flush.apply(batch).onComplete(ar -> {
      for (int i = 0; i < waiting.size(); i++) {
        if (ar.succeeded()) {
          waiting.get(i).complete(ar.result().get(i));
        } else {
          waiting.get(i).fail(ar.cause());
        }
      }
    });
  }
}
