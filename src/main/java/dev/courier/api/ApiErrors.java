package dev.courier.api;

import dev.courier.ingest.IngestService;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
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
    if (failure != null) {
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
    } else if (failure instanceof IngestService.BacklogFullException e) {
      send(request.response(), 429, e.getMessage(), 1L);
    } else {
      LOG.warn("{} {} failed: {}", request.method(), route, failure.toString());
      send(request.response(), 503, "storage unavailable, retry later", 1L);
    }
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
