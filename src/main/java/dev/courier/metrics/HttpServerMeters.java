package dev.courier.metrics;

import dev.courier.metrics.HttpMeters.Exchange;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;

/**
 * Vert.x's HTTP server metrics ({@code vertx_http_server_*}, the series vertx-micrometer reports, with the method,
 * code and route labels), through meters found once ({@link HttpMeters}). A request is timed from its first byte to
 * its response's last. WebSockets are not served, so none are counted.
 */
final class HttpServerMeters extends HttpConnectionMeters implements HttpServerMetrics<Exchange, Void, Void> {
  HttpServerMeters(MeterRegistry registry) {
    super(new HttpMeters(registry, true));
  }

  @Override
  public Exchange requestBegin(Void socketMetric, HttpRequest request) {
    return new Exchange(meters.method(request.method()));
  }

  @Override
  public void requestRouted(Exchange exchange, String route) {
    // Vert.x Web reports each sub-router's part of the pattern: vertx-micrometer joins them with '>'.
    exchange.route = exchange.route == null ? route : exchange.route + ">" + route;
  }

  @Override
  public void requestEnd(Exchange exchange, HttpRequest request, long bytesRead) {
    exchange.requestEnded(bytesRead);
  }

  @Override
  public void requestReset(Exchange exchange) {
    exchange.reset();
  }

  @Override
  public void responseEnd(Exchange exchange, HttpResponse response, long bytesWritten) {
    exchange.responseEnded(exchange.method.response(response.statusCode(), exchange.route), bytesWritten);
  }
}
