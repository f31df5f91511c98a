package dev.courier.loadtests;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The destination the simulations publish to, run inside the Gatling JVM: a Vert.x HTTP server on a free
 * port that counts deliveries by {@code Upstash-Message-Id} and records, from the headers the publisher
 * forwarded, the publish-to-delivery latency ({@code X-Sent-At}) and the lateness against the due time
 * ({@code X-Due-At}), both epoch milliseconds of this JVM's clock.
 *
 * <p>With a failure share above 0 it answers 500 to that share of first attempts ({@code Upstash-Retried: 0}),
 * chosen by the hash of the message id so that the choice is deterministic; retries are answered 200.
 *
 * <p>{@link #accepted} registers each message id Courier answered 200 for; {@link #drain} waits until every one
 * of them has been delivered (or a timeout), stops the server and returns the {@link Report}.
 */
public final class DeliverySink {
  private final String host;
  private final int failPercent;
  private final Set<String> accepted = ConcurrentHashMap.newKeySet();
  /** Message id → number of attempts this sink answered 2xx. */
  private final Map<String, Integer> delivered = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong injectedFailures = new AtomicLong();
  private final AtomicLong early = new AtomicLong();
  private final Samples latency = new Samples();
  private final Samples lateness = new Samples();
  private Vertx vertx;
  private HttpServer server;

  /** A sink on {@code host} answering 500 to {@code failPercent} % of first attempts (0 = never). */
  public DeliverySink(String host, int failPercent) {
    if (failPercent < 0 || failPercent > 100) {
      throw new IllegalArgumentException("failPercent must be within 0..100");
    }
    this.host = host;
    this.failPercent = failPercent;
  }

  /** Starts the server on a free port; blocks until it listens (call it from {@code before()}). */
  public synchronized void start() {
    vertx = Vertx.vertx();
    server = await(vertx.createHttpServer(new HttpServerOptions().setHost(host).setTcpNoDelay(true))
        .requestHandler(this::handle)
        .listen(0));
    System.out.println("courier load: delivery sink listening on " + baseUrl());
  }

  /** {@code http://host:port}, the destination prefix to publish to. */
  public String baseUrl() {
    HttpServer s = server;
    if (s == null) {
      throw new IllegalStateException("the sink is not started (start() belongs in the simulation's before())");
    }
    return "http://" + host + ":" + s.actualPort();
  }

  /** Records that Courier accepted (answered 200 for) the message {@code id}. */
  public void accepted(String id) {
    accepted.add(id);
  }

  private void handle(HttpServerRequest req) {
    req.end().onComplete(done -> {
      long now = System.currentTimeMillis();
      requests.incrementAndGet();
      String id = req.getHeader("Upstash-Message-Id");
      if (id == null) {
        req.response().setStatusCode(400).end("no Upstash-Message-Id");
        return;
      }
      if (failPercent > 0 && "0".equals(req.getHeader("Upstash-Retried")) && failsFirstAttempt(id)) {
        injectedFailures.incrementAndGet();
        req.response().setStatusCode(500).end("injected failure");
        return;
      }
      String dueAt = req.getHeader("X-Due-At");
      if (dueAt != null && now < Long.parseLong(dueAt)) {
        early.incrementAndGet(); // counted on every 2xx attempt, not only the first
      }
      if (delivered.merge(id, 1, Integer::sum) == 1) {
        String sentAt = req.getHeader("X-Sent-At");
        if (sentAt != null) {
          latency.add(now - Long.parseLong(sentAt));
        }
        if (dueAt != null) {
          lateness.add(now - Long.parseLong(dueAt));
        }
      }
      req.response().end();
    });
  }

  private boolean failsFirstAttempt(String id) {
    return Math.floorMod(id.hashCode() * 0x9E3779B1, 100) < failPercent;
  }

  /**
   * Waits until every accepted message has been delivered or {@code timeout} has passed, then a short grace
   * for late duplicates, stops the server and returns the counts. Call it from {@code after()}.
   */
  public Report drain(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long lastProgress = -1;
    while (missing() > 0 && System.nanoTime() < deadline) {
      long n = delivered.size();
      if (n != lastProgress) {
        System.out.printf(Locale.ROOT, "courier load: waiting for deliveries, %d of %d accepted delivered%n",
            accepted.size() - missing(), accepted.size());
        lastProgress = n;
      }
      sleep(500);
    }
    sleep(500); // a duplicate right behind the last delivery still counts
    stop();
    return report();
  }

  private long missing() {
    return accepted.stream().filter(id -> !delivered.containsKey(id)).count();
  }

  /** The counts so far. */
  public Report report() {
    long dup = delivered.values().stream().mapToLong(n -> n - 1).sum();
    long foreign = delivered.keySet().stream().filter(id -> !accepted.contains(id)).count();
    return new Report(accepted.size(), accepted.size() - missing(), missing(), dup, foreign, requests.get(),
        injectedFailures.get(), early.get(), latency.percentiles(), lateness.percentiles());
  }

  /** Stops the server and its Vert.x instance; safe to call twice. */
  public synchronized void stop() {
    if (vertx != null) {
      await(vertx.close());
      vertx = null;
    }
  }

  private static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("delivery sink: " + e.getMessage(), e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What the sink saw. Latency and lateness are in ms; lateness is measured against X-Due-At. */
  public record Report(long accepted, long delivered, long lost, long duplicates, long foreign, long requests,
      long injectedFailures, long early, Percentiles latency, Percentiles lateness) {

    public void print(String title) {
      StringBuilder b = new StringBuilder();
      b.append("\n==== ").append(title).append(" ====\n");
      b.append(String.format(Locale.ROOT, "delivered/accepted   %d / %d%n", delivered, accepted));
      b.append(String.format(Locale.ROOT, "lost                 %d%n", lost));
      b.append(String.format(Locale.ROOT, "duplicated           %d (2xx deliveries beyond the first, by Upstash-Message-Id)%n",
          duplicates));
      if (foreign > 0) {
        b.append(String.format(Locale.ROOT, "not from this run    %d (delivered ids never answered 200 here)%n", foreign));
      }
      b.append(String.format(Locale.ROOT, "sink requests        %d (500 injected: %d)%n", requests, injectedFailures));
      if (latency.count > 0) {
        b.append("publish->delivery    ").append(latency).append('\n');
      }
      if (lateness.count > 0) {
        b.append("lateness vs due time ").append(lateness).append(String.format(Locale.ROOT, ", early: %d%n", early));
      }
      b.append("====");
      System.out.println(b);
    }

    /** Fails the run when a message Courier accepted never arrived. */
    public Report requireNoneLost() {
      if (lost > 0) {
        throw new AssertionError(lost + " of " + accepted + " accepted messages were never delivered");
      }
      if (accepted == 0) {
        throw new AssertionError("no publish was accepted: nothing was measured");
      }
      return this;
    }

    /** Fails the run when a delayed message arrived before its due time. */
    public Report requireNoneEarly() {
      if (early > 0) {
        throw new AssertionError(early + " deliveries arrived before their due time");
      }
      return this;
    }

    /** Fails the run when the p99 publish-to-delivery latency exceeds {@code maxMs} (0 = no limit). */
    public Report requireLatencyP99(long maxMs) {
      if (maxMs > 0 && latency.p99 > maxMs) {
        throw new AssertionError("p99 publish-to-delivery latency " + latency.p99 + " ms is above " + maxMs + " ms");
      }
      return this;
    }
  }

  /** Percentiles in ms of one sample set. */
  public record Percentiles(long count, long p50, long p99, long max) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "p50 %d ms, p99 %d ms, max %d ms (n=%d)", p50, p99, max, count);
    }
  }

  /** All samples, kept exactly (8 bytes each): a load run has at most a few million. */
  private static final class Samples {
    private long[] values = new long[1024];
    private int size;

    synchronized void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    synchronized Percentiles percentiles() {
      if (size == 0) {
        return new Percentiles(0, 0, 0, 0);
      }
      long[] sorted = Arrays.copyOf(values, size);
      Arrays.sort(sorted);
      return new Percentiles(size, at(sorted, 0.50), at(sorted, 0.99), sorted[size - 1]);
    }

    private static long at(long[] sorted, double q) {
      return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }
  }
}
