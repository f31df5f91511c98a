package dev.courier.chaos;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Destinations that misbehave on purpose, as real servers on loopback (issue #21, fault test 4). Each keeps a
 * record of what it saw, from its side of the socket: that is what proves how much Courier read and how long it
 * held on, whatever Courier itself reports.
 */
final class HostileServers {
  private HostileServers() {}

  /** One connection (or exchange) as the server saw it. */
  static final class Exchange {
    final long openedAt = System.nanoTime();
    volatile long closedAt;
    /** Bytes the server handed to the socket (the kernel's buffers hold some of them: an upper bound). */
    volatile long written;

    boolean closed() {
      return closedAt != 0;
    }

    long heldMs() {
      return TimeUnit.NANOSECONDS.toMillis((closed() ? closedAt : System.nanoTime()) - openedAt);
    }
  }

  /**
   * Answers every request with {@code status} and a body of {@code size} zero bytes, announced by its
   * Content-Length and written only as fast as the peer reads (never held in memory: one chunk is reused).
   */
  static final class HugeBody implements AutoCloseable {
    final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    HugeBody(Vertx vertx, int status, long size) throws Exception {
      Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
      server = vertx.createHttpServer().requestHandler(req -> {
        Exchange e = new Exchange();
        exchanges.add(e);
        HttpServerResponse resp = req.response().setStatusCode(status).putHeader("Content-Length", Long.toString(size));
        resp.closeHandler(v -> e.closedAt = System.nanoTime());
        resp.exceptionHandler(x -> {});
        pump(resp, e, chunk, size);
      });
      listen(server.listen(0, "127.0.0.1"));
    }

    /** Writes while the socket takes it, and again each time it drains: the peer's reading sets the pace. */
    private static void pump(HttpServerResponse resp, Exchange e, Buffer chunk, long size) {
      while (!resp.closed() && e.written < size && !resp.writeQueueFull()) {
        int n = (int) Math.min(chunk.length(), size - e.written);
        resp.write(n == chunk.length() ? chunk : chunk.slice(0, n));
        e.written += n;
      }
      if (e.written >= size && !resp.ended()) {
        resp.end();
      } else if (!resp.closed()) {
        resp.drainHandler(v -> pump(resp, e, chunk, size));
      }
    }

    String url(String path) {
      return "http://127.0.0.1:" + server.actualPort() + path;
    }

    @Override
    public void close() throws Exception {
      listen(server.close());
    }
  }

  /**
   * Speaks raw HTTP/1.1 one byte a second, for as long as the peer stays: on {@code /head} the status line
   * itself trickles (no status ever arrives), on {@code /body} a 200's head arrives whole and then its chunked
   * body trickles.
   */
  static final class Trickle implements AutoCloseable {
    final List<Exchange> head = new CopyOnWriteArrayList<>();
    final List<Exchange> body = new CopyOnWriteArrayList<>();
    private final NetServer server;
    private final Vertx vertx;

    Trickle(Vertx vertx) throws Exception {
      this.vertx = vertx;
      server = vertx.createNetServer().connectHandler(socket -> {
        StringBuilder request = new StringBuilder();
        socket.handler(data -> {
          boolean started = request.indexOf("\r\n\r\n") >= 0;
          request.append(data.toString(StandardCharsets.ISO_8859_1));
          if (!started && request.indexOf("\r\n\r\n") >= 0) {
            boolean trickleHead = request.toString().startsWith("POST /head");
            start(socket, trickleHead);
          }
        });
      });
      listen(server.listen(0, "127.0.0.1"));
    }

    private void start(NetSocket socket, boolean trickleHead) {
      Exchange e = new Exchange();
      (trickleHead ? head : body).add(e);
      String prefix = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
      if (!trickleHead) {
        socket.write(prefix + "Transfer-Encoding: chunked\r\n\r\n");
      }
      AtomicInteger next = new AtomicInteger();
      long timer = vertx.setPeriodic(1000, t -> {
        // The head byte by byte, never finished; or one body chunk of one byte each time.
        String piece = trickleHead ? String.valueOf(prefix.charAt(next.getAndIncrement() % prefix.length())) : "1\r\nx\r\n";
        socket.write(piece);
        e.written += piece.length();
      });
      socket.closeHandler(v -> {
        vertx.cancelTimer(timer);
        e.closedAt = System.nanoTime();
      });
    }

    String url(String path) {
      return "http://127.0.0.1:" + server.actualPort() + path;
    }

    @Override
    public void close() throws Exception {
      listen(server.close());
    }
  }

  /**
   * Redirects: {@code /loop/a} and {@code /loop/b} send to each other for ever; {@code /deny} sends to
   * {@code target}.
   */
  static final class Redirects implements AutoCloseable {
    final AtomicInteger loop = new AtomicInteger();
    final AtomicInteger deny = new AtomicInteger();
    private final HttpServer server;

    Redirects(Vertx vertx, String target) throws Exception {
      server = vertx.createHttpServer().requestHandler(req -> {
        String location;
        if (req.path().startsWith("/loop/")) {
          loop.incrementAndGet();
          location = req.path().equals("/loop/a") ? "/loop/b" : "/loop/a";
        } else {
          deny.incrementAndGet();
          location = target;
        }
        req.response().setStatusCode(302).putHeader("Location", location).end();
      });
      listen(server.listen(0, "127.0.0.1"));
    }

    String url(String path) {
      return "http://127.0.0.1:" + server.actualPort() + path;
    }

    @Override
    public void close() throws Exception {
      listen(server.close());
    }
  }

  private static <T> T listen(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
