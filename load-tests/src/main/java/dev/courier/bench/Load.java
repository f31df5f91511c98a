package dev.courier.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Load shapes. {@code closed}: a fixed number of requests in flight, each answered one followed by the
 * next (measures the maximum rate). {@code open}: a fixed arrival rate regardless of answers (measures
 * latency at a given rate), with a cap on requests in flight so the generator itself stays bounded.
 */
final class Load {
  /** What one run did. */
  record Result(long ok, long rejected, long failed, long elapsedMs) {
    double rate() {
      return ok * 1000.0 / elapsedMs;
    }
  }

  private Load() {}

  /** @param send sends request number n; its future carries the HTTP status */
  static Future<Result> closed(Vertx vertx, int concurrency, long durationMs, LongFunction<Future<Integer>> send) {
    Promise<Result> done = Promise.promise();
    long start = System.currentTimeMillis();
    long deadline = start + durationMs;
    AtomicLong seq = new AtomicLong();
    AtomicLong ok = new AtomicLong();
    AtomicLong rejected = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong live = new AtomicLong(concurrency);
    vertx.runOnContext(v -> {
      for (int i = 0; i < concurrency; i++) {
        loop(deadline, seq, ok, rejected, failed, send, () -> {
          if (live.decrementAndGet() == 0) {
            done.complete(new Result(ok.get(), rejected.get(), failed.get(), System.currentTimeMillis() - start));
          }
        });
      }
    });
    return done.future();
  }

  private static void loop(long deadline, AtomicLong seq, AtomicLong ok, AtomicLong rejected, AtomicLong failed,
      LongFunction<Future<Integer>> send, Runnable finished) {
    if (System.currentTimeMillis() >= deadline) {
      finished.run();
      return;
    }
    send.apply(seq.getAndIncrement()).onComplete(ar -> {
      count(ar.succeeded() ? ar.result() : -1, ok, rejected, failed);
      loop(deadline, seq, ok, rejected, failed, send, finished);
    });
  }

  /**
   * Sends requests 0 … {@code total - 1}, at most {@code concurrency} at a time, each answered one
   * followed by the next. With a concurrency of 1 the server accepts them in the order of their numbers.
   */
  static Future<Result> count(Vertx vertx, int concurrency, long total, LongFunction<Future<Integer>> send) {
    Promise<Result> done = Promise.promise();
    long start = System.currentTimeMillis();
    AtomicLong seq = new AtomicLong();
    AtomicLong ok = new AtomicLong();
    AtomicLong rejected = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong live = new AtomicLong(concurrency);
    vertx.runOnContext(v -> {
      for (int i = 0; i < concurrency; i++) {
        next(total, seq, ok, rejected, failed, send, () -> {
          if (live.decrementAndGet() == 0) {
            done.complete(new Result(ok.get(), rejected.get(), failed.get(), System.currentTimeMillis() - start));
          }
        });
      }
    });
    return done.future();
  }

  private static void next(long total, AtomicLong seq, AtomicLong ok, AtomicLong rejected, AtomicLong failed,
      LongFunction<Future<Integer>> send, Runnable finished) {
    long n = seq.getAndIncrement();
    if (n >= total) {
      finished.run();
      return;
    }
    send.apply(n).onComplete(ar -> {
      count(ar.succeeded() ? ar.result() : -1, ok, rejected, failed);
      next(total, seq, ok, rejected, failed, send, finished);
    });
  }

  private static void count(int status, AtomicLong ok, AtomicLong rejected, AtomicLong failed) {
    if (status >= 200 && status < 300) {
      ok.incrementAndGet();
    } else if (status == 429 || status == 503) {
      rejected.incrementAndGet();
    } else {
      failed.incrementAndGet();
    }
  }

  /** Sends {@code ratePerSecond} requests a second for {@code durationMs}, at most {@code maxInFlight} open. */
  static Future<Result> open(Vertx vertx, double ratePerSecond, long durationMs, int maxInFlight,
      LongFunction<Future<Integer>> send) {
    Promise<Result> done = Promise.promise();
    long start = System.currentTimeMillis();
    AtomicLong seq = new AtomicLong();
    AtomicLong ok = new AtomicLong();
    AtomicLong rejected = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong inFlight = new AtomicLong();
    vertx.runOnContext(v -> vertx.setPeriodic(1, id -> {
      long now = System.currentTimeMillis();
      long due = (long) ((Math.min(now, start + durationMs) - start) * ratePerSecond / 1000.0);
      while (seq.get() < due) {
        if (inFlight.get() >= maxInFlight) {
          failed.incrementAndGet(); // the server fell behind; counted, not queued
          seq.incrementAndGet();
          continue;
        }
        inFlight.incrementAndGet();
        send.apply(seq.getAndIncrement()).onComplete(ar -> {
          inFlight.decrementAndGet();
          count(ar.succeeded() ? ar.result() : -1, ok, rejected, failed);
        });
      }
      if (now >= start + durationMs && inFlight.get() == 0) {
        vertx.cancelTimer(id);
        done.complete(new Result(ok.get(), rejected.get(), failed.get(), durationMs));
      }
    }));
    return done.future();
  }
}
