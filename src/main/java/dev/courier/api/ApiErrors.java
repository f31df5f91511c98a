package dev.courier.api;

import dev.courier.ingest.IngestService;
import dev.courier.queues.QueueService;
import dev.courier.model.LimitExceededException;
import dev.courier.topics.TopicService;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP answers: {@link ApiException}s keep their status, a full
 * backlog is 429, anything else is Redis or Courier failing (503 with Retry-After: the client retries,
 * nothing was stored). Logged without request data, so no token or body reaches the logs.
 */
public final class ApiErrors {
  private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

  private ApiErrors() {}

  public static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int code = ctx.statusCode();
    if (failure instanceof HttpClosedException) {
      return; // the client left: no one to answer, nothing went wrong here
    }
    if (failure != null && !(failure instanceof ApiException) && code >= 400 && code < 500) {
      // Vert.x's own verdict on the request (a missing or invalid Host header): the client's error.
      // Its message is not repeated, since such messages may quote what the client sent.
      send(ctx.response(), code, HttpResponseStatus.valueOf(code).reasonPhrase().toLowerCase(Locale.ROOT), null);
    } else if (failure != null) {
      fail(ctx.request(), failure, routeName(ctx));
    } else {
      int status = ctx.statusCode();
      send(ctx.response(), status, switch (status) {
        case 413 -> "request body too large";
        case 404 -> "not found";
        case 405 -> "method not allowed";
        case 431 -> "request headers too large";
        default -> "request failed";
      }, null);
    }
  }

  /**
   * Answers a failure of a request handled outside the router (the publish front door) or inside it.
   *
   * @param route names the route in the log, never the path: a publish path holds the destination URL,
   *     which may carry secrets
   */
  static void fail(HttpServerRequest request, Throwable failure, String route) {
    if (failure instanceof ApiException e) {
      send(request.response(), e.status(), e.getMessage(), e.retryAfterSeconds());
    } else if (failure instanceof QueueService.QuotaExceededException e) {
      send(request.response(), 412, e.getMessage(), null);
    } else if (failure instanceof LimitExceededException e) {
      send(request.response(), 412, e.getMessage(), null);
    } else if (failure instanceof TopicService.InvalidEditException e) {
      send(request.response(), 400, e.getMessage(), null);
    } else if (failure instanceof IngestService.BacklogFullException e) {
      send(request.response(), 429, e.getMessage(), 1L);
    } else if (failure instanceof HttpException e && e.getStatusCode() >= 400 && e.getStatusCode() < 500) {
      // Vert.x Web's own 4xx, such as a query string it cannot decode: the client's error, not ours.
      send(request.response(), e.getStatusCode(), e.getCause() instanceof IllegalArgumentException
          ? AuthHandler.MALFORMED_QUERY.getMessage()
          : HttpResponseStatus.valueOf(e.getStatusCode()).reasonPhrase().toLowerCase(Locale.ROOT), null);
    } else {
      logUnexpected(request, route, failure);
      send(request.response(), 503, "storage unavailable, retry later", 1L);
    }
  }

  /** Failures not logged since the last line: with Redis down every request fails; the log gets a line a second. */
  private static final java.util.concurrent.atomic.AtomicLong SUPPRESSED = new java.util.concurrent.atomic.AtomicLong();
  private static final java.util.concurrent.atomic.AtomicLong LAST_LOGGED = new java.util.concurrent.atomic.AtomicLong();

  private static void logUnexpected(HttpServerRequest request, String route, Throwable failure) {
    long now = System.currentTimeMillis();
    long last = LAST_LOGGED.get();
    if (now - last < 1_000 || !LAST_LOGGED.compareAndSet(last, now)) {
      SUPPRESSED.incrementAndGet();
      return;
    }
    long more = SUPPRESSED.getAndSet(0);
    LOG.warn("{} {} failed: {}{}", request.method(), route, redacted(failure, request),
        more > 0 ? " (and " + more + " more since the last such line, not logged)" : "");
  }

  /**
   * The failure as logged: its class and message, with the request's URI, path and query cut out. A
   * parser's message may quote them (a publish path holds the destination URL, a query may hold the
   * token), and whatever the client sent must not reach the logs.
   */
  static String redacted(Throwable failure, HttpServerRequest request) {
    return redacted(failure, request.uri(), request.query(), request.path());
  }

  static String redacted(Throwable failure, String uri, String query, String path) {
    String message = String.valueOf(failure.getMessage());
    message = cut(message, uri, "<uri>");
    message = cut(message, query, "<query>");
    message = cut(message, path, "<path>");
    return failure.getClass().getName() + ": " + message;
  }

  private static String cut(String message, String part, String placeholder) {
    // A path of "/" or a one-letter query would cut every slash or letter: only parts long enough to
    // be what they are.
    return part == null || part.length() < 3 ? message : message.replace(part, placeholder);
  }

  /**
   * A request Netty could not parse (a request line or headers too long, a bad Content-Length, bytes that
   * are not HTTP): the status Vert.x would answer, in the JSON error shape, and the connection closed,
   * since the rest of what the client sends cannot be framed.
   */
  public static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    String message;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      message = "request line too long";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      message = "request headers too large";
    } else {
      status = 400;
      message = "malformed HTTP request";
    }
    send(request.response().putHeader("Connection", "close"), status, message, null);
    request.connection().close();
  }

  private static String routeName(RoutingContext ctx) {
    var route = ctx.currentRoute();
    if (route == null) {
      return "?";
    }
    return route.getPath() != null ? route.getPath() : ctx.request().path().startsWith(PublishHandler.PREFIX)
        ? PublishHandler.ROUTE : "(route)";
  }

  public static void send(HttpServerResponse response, int status, String message, Long retryAfterSeconds) {
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response.setStatusCode(status).putHeader("Content-Type", "application/json");
    if (retryAfterSeconds != null) {
      response.putHeader("Retry-After", Long.toString(retryAfterSeconds));
    }
    response.end(new JsonObject().put("error", message).encode());
  }
}
