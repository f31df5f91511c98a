package dev.courier.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The destination of the bench: answers 200 (or 500 for a chosen share), counts requests, records
 * delivery latency from the {@code X-Sent-At} / {@code X-Due-At} headers the publisher forwarded, and
 * tracks sequence numbers to prove zero lost and zero duplicated.
 */
final class BenchSink {
  final AtomicLong requests = new AtomicLong();
  private final BitSet seen = new BitSet();
  private long duplicates;
  private final Histogram latency = new Histogram();
  private final Histogram lateness = new Histogram();
  private long early;
  /** Deliveries that took over 100 ms, by second of arrival: shows whether slowness comes in bursts. */
  final java.util.TreeMap<Long, Integer> late = new java.util.TreeMap<>();
  private HttpServer server;
  /** How long the sink takes to answer: &gt; 0 plays a slow destination (the overload run). */
  volatile long delayMs;

  Future<Integer> start(Vertx vertx) {
    return vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setHost("127.0.0.1"))
        .requestHandler(req -> req.end().onComplete(v -> {
          long now = System.currentTimeMillis();
          requests.incrementAndGet();
          record(req.getHeader("X-Seq"), req.getHeader("X-Sent-At"), req.getHeader("X-Due-At"), now);
          long delay = delayMs;
          if (delay > 0) {
            vertx.setTimer(delay, t -> req.response().end());
          } else {
            req.response().end();
          }
        }))
        .listen(0).map(s -> {
          server = s;
          return s.actualPort();
        });
  }

  private synchronized void record(String seq, String sentAt, String dueAt, long now) {
    if (seq != null) {
      int n = Integer.parseInt(seq);
      if (seen.get(n)) {
        duplicates++;
      }
      seen.set(n);
    }
    if (dueAt != null) {
      long late = now - Long.parseLong(dueAt);
      if (late < 0) {
        early++;
      }
      lateness.add(Math.max(0, late));
    } else if (sentAt != null) {
      long ms = now - Long.parseLong(sentAt);
      latency.add(ms);
      if (ms > 100) {
        late.merge((now / 1000) % 100_000, 1, Integer::sum);
      }
    }
  }

  synchronized void reset() {
    seen.clear();
    duplicates = 0;
    early = 0;
    latency.clear();
    lateness.clear();
    late.clear();
    requests.set(0);
  }

  synchronized int distinct() {
    return seen.cardinality();
  }

  synchronized long duplicates() {
    return duplicates;
  }

  synchronized long early() {
    return early;
  }

  synchronized Histogram latency() {
    return latency.copy();
  }

  synchronized Histogram lateness() {
    return lateness.copy();
  }

  Future<Void> close() {
    return server.close();
  }
}
