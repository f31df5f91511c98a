package dev.courier.api;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the request bodies a node holds at once, in bytes, across its API event loops (with the headers
 * of the requests whose body is still coming).
 *
 * <p>A body is read whole before it is stored, and lives in a few copies until Redis answers (the body,
 * the encoded message, the Redis command). Without a bound, 500 clients sending 1 MiB each at the same
 * moment exhausted a 256 MiB heap: an OutOfMemoryError, and a node that no longer answered. A request
 * reserves its declared length (the body limit when it declares none) before its body is read; past the
 * budget it gets 503 with Retry-After and its body is never buffered. The reservation ends with the
 * answer, or with the connection.
 *
 * <p>A lone body always fits, so a budget smaller than one body slows publishing down but never stops it.
 */
public final class BodyBudget {
  static final ApiException FULL =
      new ApiException(503, "too many request bodies in flight on this node, retry later", 1L);

  private final long capacity;
  private final int maxBodySize;
  private final AtomicLong used = new AtomicLong();

  /** @param capacity bytes; 0 means an eighth of the JVM's maximum heap */
  public BodyBudget(long capacity, int maxBodySize) {
    this.capacity = capacity > 0 ? capacity : Runtime.getRuntime().maxMemory() / 8;
    this.maxBodySize = maxBodySize;
  }

  public long capacity() {
    return capacity;
  }

  /** Bytes reserved right now (for tests and metrics). */
  public long used() {
    return used.get();
  }

  boolean tryAcquire(long bytes) {
    while (true) {
      long now = used.get();
      if (now > 0 && now + bytes > capacity) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  void release(long bytes) {
    used.addAndGet(-bytes);
  }

  /**
   * What a request's body may take: its Content-Length, the body limit for a chunked body, 0 without a
   * body. The Content-Length was checked against the limit (and for syntax) before.
   */
  long bodyClaim(HttpServerRequest req) {
    return bodyClaim(req, maxBodySize);
  }

  private static long bodyClaim(HttpServerRequest req, long maxBodySize) {
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      try {
        return Math.min(Long.parseLong(length.trim()), maxBodySize);
      } catch (NumberFormatException e) {
        return maxBodySize;
      }
    }
    return req.headers().contains(HttpHeaders.TRANSFER_ENCODING) ? maxBodySize : 0;
  }

  /**
   * What a request holds while its body comes: the body it may take and the headers it already has (up
   * to limits.max-header-size; a body of one byte sent slowly would otherwise hold them for free).
   */
  private long claim(HttpServerRequest req, long body) {
    if (body == 0) {
      return 0; // answered at once: nothing waits for a body
    }
    long size = body;
    for (var h : req.headers()) {
      size += h.getKey().length() + h.getValue().length() + 4;
    }
    return size;
  }

  /**
   * The publish front door's reservation: the body's claim (for sizing its buffer), or -1 (and nothing
   * reserved) when the budget is spent. Released once, when the answer has been written or the
   * connection closed before it.
   */
  long reserve(HttpServerRequest req) {
    long body = bodyClaim(req);
    long bytes = claim(req, body);
    if (bytes == 0) {
      return 0;
    }
    if (!tryAcquire(bytes)) {
      return -1;
    }
    Runnable release = once(bytes);
    req.response().endHandler(v -> release.run());
    req.response().closeHandler(v -> release.run());
    return body;
  }

  /** The same for the routes behind the router, before their BodyHandler reads the body. */
  Handler<RoutingContext> handler() {
    return handler(maxBodySize);
  }

  /** The same for a route whose body limit is {@code maxBody} (a batch's). */
  Handler<RoutingContext> handler(long maxBody) {
    return ctx -> {
      long bytes = claim(ctx.request(), bodyClaim(ctx.request(), maxBody));
      if (bytes == 0) {
        ctx.next();
      } else if (!tryAcquire(bytes)) {
        ctx.fail(FULL);
      } else {
        Runnable release = once(bytes);
        ctx.addEndHandler(v -> release.run());
        ctx.next();
      }
    };
  }

  /** Called from the response's end and close handlers, which may both fire: the bytes go back once. */
  private Runnable once(long bytes) {
    boolean[] done = {false};
    return () -> {
      if (!done[0]) {
        done[0] = true;
        release(bytes);
      }
    };
  }
}
