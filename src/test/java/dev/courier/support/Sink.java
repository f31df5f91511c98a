package dev.courier.support;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A real HTTP destination for the tests: a Vert.x server on a free loopback port that records every
 * request it gets (with the time it arrived) and answers as the test tells it to.
 */
public final class Sink implements AutoCloseable {
  public record Received(String method, String uri, MultiMap headers, byte[] body, long at) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  /** What to answer; {@code delayMs} > 0 answers late (or never, for a timeout test). */
  public record Reply(int status, Map<String, String> headers, String body, long delayMs) {
    public static Reply ok() {
      return new Reply(200, Map.of(), "ok", 0);
    }

    public static Reply status(int status) {
      return new Reply(status, Map.of(), "", 0);
    }
  }

  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  /** Requests received and not yet answered (attempts in flight, as the destination sees them), and their peak. */
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger peakOpen = new AtomicInteger();
  private volatile Function<Received, Reply> responder = r -> Reply.ok();

  private Sink(HttpServer server) {
    this.server = server;
  }

  public static Sink start(Vertx vertx) throws Exception {
    return start(vertx, 0);
  }

  /** @param port 0 for a free one; a fixed port where the destination URL was written down before (fixtures) */
  public static Sink start(Vertx vertx, int port) throws Exception {
    Sink[] holder = new Sink[1];
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      Received r = new Received(req.method().name(), req.uri(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
          body.getBytes(), System.currentTimeMillis());
      holder[0].received.add(r);
      Sink sink = holder[0];
      sink.peakOpen.accumulateAndGet(sink.open.incrementAndGet(), Math::max);
      AtomicBoolean closed = new AtomicBoolean();
      Runnable close = () -> {
        if (closed.compareAndSet(false, true)) {
          sink.open.decrementAndGet();
        }
      };
      req.response().closeHandler(v -> close.run());
      Reply reply = holder[0].responder.apply(r);
      Runnable answer = () -> {
        close.run();
        var resp = req.response().setStatusCode(reply.status());
        reply.headers().forEach(resp::putHeader);
        resp.end(Buffer.buffer(reply.body()));
      };
      if (reply.delayMs() > 0) {
        vertx.setTimer(reply.delayMs(), t -> {
          if (!req.response().closed()) {
            answer.run();
          }
        });
      } else {
        answer.run();
      }
    }));
    holder[0] = new Sink(server);
    server.listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return holder[0];
  }

  public void respond(Function<Received, Reply> responder) {
    this.responder = responder;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  /** The most requests this sink held unanswered at once. */
  public int peakOpen() {
    return peakOpen.get();
  }

  public List<Received> received() {
    return received;
  }

  /** Waits until {@code n} requests arrived; fails the test after {@code timeoutMs}. */
  public List<Received> await(int n, long timeoutMs) {
    waitFor(() -> received.size() >= n, timeoutMs, "expected " + n + " deliveries, got " + received.size());
    return received;
  }

  public static void waitFor(BooleanSupplier condition, long timeoutMs, String message) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(message + " within " + timeoutMs + " ms");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
