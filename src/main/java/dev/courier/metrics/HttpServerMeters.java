package dev.courier.metrics;

import dev.courier.metrics.HttpMeters.Exchange;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;

/**
 * Vert.x's HTTP server metrics ({@code vertx_http_server_*}, the series vertx-micrometer reports, with the method,
 * code and route labels), through meters found once ({@link HttpMeters}). A request is timed from its first byte to
 * its response's last. WebSockets are not served, so none are counted.
 */
final class HttpServerMeters implements HttpServerMetrics<Exchange, Void, Void> {
  private final HttpMeters meters;

  HttpServerMeters(MeterRegistry registry) {
    this.meters = new HttpMeters(registry, true);
  }

  @Override
  public Void connected(SocketAddress remoteAddress, String remoteName) {
    meters.connections.increment();
    return null;
  }

  @Override
  public void disconnected(Void socketMetric, SocketAddress remoteAddress) {
    meters.connections.decrement();
  }

  @Override
  public void bytesRead(Void socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
    meters.bytesRead.increment(numberOfBytes);
  }

  @Override
  public void bytesWritten(Void socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
    meters.bytesWritten.increment(numberOfBytes);
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
