package dev.courier.api;

import dev.courier.metrics.CourierMetrics;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /metrics}: the Prometheus text exposition of the node's registry. Behind the API token like every
 * other route (docs/api-decisions.md). Rendered on a worker thread: a scrape walks every meter, and the API's
 * event loops are the ones publishes wait on.
 */
final class MetricsHandler {
  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final CourierMetrics metrics;

  MetricsHandler(CourierMetrics metrics) {
    this.metrics = metrics;
  }

  void handle(RoutingContext ctx) {
    if (!metrics.isEnabled()) {
      ctx.fail(ApiException.notFound("metrics are off (metrics.enabled: false)"));
      return;
    }
    ctx.vertx().executeBlocking(metrics::scrape, false).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else {
        ctx.response().putHeader("Content-Type", CONTENT_TYPE).end(ar.result());
      }
    });
  }
}
