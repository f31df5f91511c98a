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
  /**
   * The FIFO run (one queue of parallelism 1, so one delivery at a time): the gap from one answer to the
   * next arrival, in µs, and the arrival order (sequence numbers must rise).
   */
  private volatile boolean fifo;
  private final Histogram gaps = new Histogram(1_000_000);
  private long lastAnswered;
  private long lastSeq;
  private long outOfOrder;
  private long firstArrival;
  private long lastArrival;

  Future<Integer> start(Vertx vertx) {
    return vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setHost("127.0.0.1"))
        .requestHandler(req -> {
          long arrived = System.nanoTime();
          req.end().onComplete(v -> {
            long now = System.currentTimeMillis();
            requests.incrementAndGet();
            String seq = req.getHeader("X-Seq");
            record(seq, req.getHeader("X-Sent-At"), req.getHeader("X-Due-At"), now);
            long delay = delayMs;
            if (delay > 0) {
              vertx.setTimer(delay, t -> req.response().end());
            } else {
              req.response().end(); // written to the socket before end() returns (this is its event loop)
              if (fifo) {
                fifo(seq, arrived, System.nanoTime());
              }
            }
          });
        })
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

  private synchronized void fifo(String seq, long arrived, long answered) {
    if (lastAnswered != 0) {
      gaps.add((arrived - lastAnswered) / 1_000);
    } else {
      firstArrival = arrived;
    }
    lastArrival = arrived;
    lastAnswered = answered;
    long n = seq == null ? -1 : Long.parseLong(seq);
    if (n <= lastSeq) {
      outOfOrder++;
    }
    lastSeq = Math.max(lastSeq, n);
  }

  /** Starts (or stops) the FIFO figures, from nothing. */
  synchronized void fifo(boolean on) {
    gaps.clear();
    lastAnswered = 0;
    lastSeq = -1;
    outOfOrder = 0;
    firstArrival = 0;
    lastArrival = 0;
    fifo = on;
  }

  /** Gaps from an answer to the next arrival, µs. */
  synchronized Histogram gaps() {
    return gaps.copy();
  }

  /** Deliveries whose sequence number was not above every one before it. */
  synchronized long outOfOrder() {
    return outOfOrder;
  }

  /** From the first arrival of the FIFO run to the last, ms. */
  synchronized double fifoSpanMs() {
    return (lastArrival - firstArrival) / 1e6;
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
