package dev.courier.chaos;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The destination of a chaos run: a real HTTP server on loopback that keeps, per message id
 * ({@code Upstash-Message-Id}), every arrival and whether it answered 2xx, and per route (the first segment of
 * the path: {@code /q/17} is route {@code q}) the requests it holds unanswered and their peak, which is the
 * parallelism the destination saw. Unlike {@code support.Sink} it keeps no copy of each request, so a run of
 * tens of thousands of messages stays cheap; routes answer with a status and a delay the test sets.
 */
final class AuditSink implements AutoCloseable {
  /** The arrivals of one message id. */
  static final class Arrivals {
    final String uri;
    private final List<Long> times = new ArrayList<>(1);
    private volatile boolean answeredOk;

    Arrivals(String uri) {
      this.uri = uri;
    }

    synchronized List<Long> times() {
      return List.copyOf(times);
    }

    synchronized int count() {
      return times.size();
    }

    boolean answeredOk() {
      return answeredOk;
    }
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final Map<String, Arrivals> byId = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> peak = new ConcurrentHashMap<>();
  private final Map<String, Integer> statusByRoute = new ConcurrentHashMap<>();
  private final Map<String, Long> delayByRoute = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();
  /** Routes whose answers wait for {@link #release}, and the answers waiting. */
  private final Set<String> holding = ConcurrentHashMap.newKeySet();
  private final java.util.Queue<Runnable> held = new java.util.concurrent.ConcurrentLinkedQueue<>();

  private AuditSink(Vertx vertx) throws Exception {
    this.vertx = vertx;
    this.server = vertx.createHttpServer().requestHandler(this::handle);
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static AuditSink start(Vertx vertx) throws Exception {
    return new AuditSink(vertx);
  }

  /** What {@code route} answers from now on (200 and at once unless told). */
  AuditSink route(String route, int status, long delayMs) {
    statusByRoute.put(route, status);
    delayByRoute.put(route, delayMs);
    return this;
  }

  String url(String route, Object key) {
    return "http://127.0.0.1:" + server.actualPort() + "/" + route + "/" + key;
  }

  private static String routeOf(String uri) {
    int end = uri.indexOf('/', 1);
    return end < 0 ? uri.substring(1) : uri.substring(1, end);
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      requests.incrementAndGet();
      String route = routeOf(req.uri());
      String id = req.getHeader("Upstash-Message-Id");
      Arrivals arrivals = byId.computeIfAbsent(id == null ? "?" + req.uri() : id, k -> new Arrivals(req.uri()));
      synchronized (arrivals) {
        arrivals.times.add(System.currentTimeMillis());
      }
      AtomicInteger openNow = open.computeIfAbsent(route, r -> new AtomicInteger());
      peak.computeIfAbsent(route, r -> new AtomicInteger()).accumulateAndGet(openNow.incrementAndGet(), Math::max);
      AtomicBoolean done = new AtomicBoolean();
      Runnable finish = () -> {
        if (done.compareAndSet(false, true)) {
          openNow.decrementAndGet();
        }
      };
      req.response().closeHandler(v -> finish.run());
      int status = statusByRoute.getOrDefault(route, 200);
      Runnable answer = () -> {
        if (req.response().closed()) {
          return; // the node cut the attempt (its timeout, its stop, its death): not an answer it read
        }
        finish.run();
        if (status / 100 == 2) {
          arrivals.answeredOk = true;
        }
        req.response().setStatusCode(status).end("chaos");
      };
      long delay = delayByRoute.getOrDefault(route, 0L);
      if (holding.contains(route)) {
        held.add(answer);
      } else if (delay > 0) {
        vertx.setTimer(delay, t -> answer.run());
      } else {
        answer.run();
      }
    });
  }

  /** From now on {@code route} answers nothing until {@link #release}: the node's attempts stay open. */
  void hold(String route) {
    holding.add(route);
  }

  /** Requests held unanswered by {@link #hold}. */
  int held() {
    return held.size();
  }

  /** Answers every held request (on the sink's event loop) and stops holding {@code route}. */
  void release(String route) {
    holding.remove(route);
    vertx.runOnContext(v -> {
      Runnable r;
      while ((r = held.poll()) != null) {
        r.run();
      }
    });
  }

  /** Requests received in all. */
  long requests() {
    return requests.get();
  }

  /** Distinct message ids received. */
  int distinct() {
    return byId.size();
  }

  Map<String, Arrivals> arrivals() {
    return byId;
  }

  /** Message ids this sink answered 2xx at least once. */
  Set<String> delivered() {
    return byId.entrySet().stream().filter(e -> e.getValue().answeredOk()).map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  /** Message ids received more than once, with their arrival count. */
  Map<String, Integer> repeats() {
    return byId.entrySet().stream().filter(e -> e.getValue().count() > 1)
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().count()));
  }

  /** Requests that arrived in [from, to). */
  long arrivedBetween(long from, long to) {
    return byId.values().stream().flatMap(a -> a.times().stream()).filter(t -> t >= from && t < to).count();
  }

  /** Requests held unanswered now, over all routes. */
  int openNow() {
    return open.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /** The most requests to {@code route} this sink held unanswered at once. */
  int peakOpen(String route) {
    AtomicInteger p = peak.get(route);
    return p == null ? 0 : p.get();
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
