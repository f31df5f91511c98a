package dev.courier.dispatch;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Bounds the share of one dispatcher's credit that a single destination host can hold (issue 21: 1 100
 * messages to a host that never answered held the whole credit of the node for the length of their timeout,
 * and a healthy destination waited behind them).
 *
 * <p>A host runs at most {@code limit} attempts at a time. An attempt beyond that waits here, holding its
 * credit, for one of the host's attempts to end: for a fast host nothing changes (its excess waited the same
 * way in the HTTP client's connection pool before). An attempt that has waited {@code stallMs} is answered
 * {@link #DEFERRED}, and so is every new one beyond the limit of a host that has gone {@code stallMs} without
 * ending an attempt (a stalled host): the dispatcher puts them back on the wheel for later, which frees their
 * credit for other destinations. Nothing is lost and no attempt is counted: the message is claimed again when
 * it falls due. The wait is bounded so that it stays well inside the message's lease (its timeout plus
 * {@code delivery.lease-grace}, of which {@code stallMs} is at most half: {@code DeliveryConfig.hostWaitMs}): a
 * lease that expired while its message waited here would let the reaper hand it to another node, and both
 * would deliver it.
 *
 * <p>Confined to its dispatcher's event loop (no locks); the entry of a host is dropped when it has nothing
 * in flight or waiting, so the map is bounded by the dispatcher's credit.
 */
final class HostShare {
  /** The answer for an attempt that was not started: the dispatcher defers its message. Compared by identity. */
  static final AttemptResult DEFERRED = AttemptResult.network("not attempted: its host held its share of the credit");

  private final Vertx vertx;
  private final int limit;
  private final long stallNanos;
  private final Map<String, Host> hosts = new HashMap<>();

  private static final class Host {
    int inFlight;
    /** When an attempt of the host last ended, or when it went from none in flight to one. */
    long progressAt;
    final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    long timer = -1;
  }

  private record Waiting(Supplier<Future<AttemptResult>> attempt, Promise<AttemptResult> result, long since) {}

  /**
   * @param limit attempts one host may have in flight on this dispatcher
   * @param stallMs how long a host at its limit may go without ending an attempt before its excess is deferred
   */
  HostShare(Vertx vertx, int limit, long stallMs) {
    this.vertx = vertx;
    this.limit = Math.max(1, limit);
    this.stallNanos = stallMs * 1_000_000L;
  }

  /** Starts {@code attempt} now, when one of the host's attempts ends, or answers {@link #DEFERRED}. */
  Future<AttemptResult> run(String host, Supplier<Future<AttemptResult>> attempt) {
    Host h = hosts.computeIfAbsent(host, k -> new Host());
    long now = System.nanoTime();
    if (h.inFlight < limit) {
      if (h.inFlight == 0) {
        h.progressAt = now;
      }
      return start(host, h, attempt);
    }
    if (now - h.progressAt >= stallNanos) {
      return Future.succeededFuture(DEFERRED);
    }
    Promise<AttemptResult> result = Promise.promise();
    h.waiting.add(new Waiting(attempt, result, now));
    if (h.timer < 0) {
      armTimer(host, h, now);
    }
    return result.future();
  }

  /** Answers every waiting attempt {@link #DEFERRED} (the dispatcher is stopping: they go back to the wheel). */
  void deferAllWaiting() {
    for (Map.Entry<String, Host> e : Map.copyOf(hosts).entrySet()) {
      deferWaiting(e.getKey(), e.getValue());
    }
  }

  /** Attempts this dispatcher holds back for want of their host's share (what HostShareTest reads). */
  int waiting() {
    int n = 0;
    for (Host h : hosts.values()) {
      n += h.waiting.size();
    }
    return n;
  }

  private Future<AttemptResult> start(String host, Host h, Supplier<Future<AttemptResult>> attempt) {
    h.inFlight++;
    Future<AttemptResult> f;
    try {
      f = attempt.get();
    } catch (RuntimeException e) {
      ended(host, h);
      return Future.failedFuture(e);
    }
    return f.andThen(ar -> ended(host, h));
  }

  private void ended(String host, Host h) {
    h.inFlight--;
    h.progressAt = System.nanoTime();
    while (h.inFlight < limit && !h.waiting.isEmpty()) {
      Waiting w = h.waiting.poll();
      start(host, h, w.attempt()).onComplete(w.result());
    }
    forgetIfIdle(host, h);
  }

  /** Wakes when the oldest waiting attempt has waited its allowance. */
  private void armTimer(String host, Host h, long now) {
    long wait = Math.max(1, (h.waiting.peek().since() + stallNanos - now + 999_999) / 1_000_000L);
    h.timer = vertx.setTimer(wait, id -> {
      h.timer = -1;
      long at = System.nanoTime();
      Waiting w;
      while ((w = h.waiting.peek()) != null && at - w.since() >= stallNanos) {
        h.waiting.poll().result().complete(DEFERRED);
      }
      if (h.waiting.isEmpty()) {
        forgetIfIdle(host, h);
      } else {
        armTimer(host, h, at);
      }
    });
  }

  private void deferWaiting(String host, Host h) {
    Waiting w;
    while ((w = h.waiting.poll()) != null) {
      w.result().complete(DEFERRED);
    }
    forgetIfIdle(host, h);
  }

  private void forgetIfIdle(String host, Host h) {
    if (h.inFlight == 0 && h.waiting.isEmpty()) {
      if (h.timer >= 0) {
        vertx.cancelTimer(h.timer);
        h.timer = -1;
      }
      hosts.remove(host);
    }
  }
}
