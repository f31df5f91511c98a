package dev.courier.metrics;

import dev.courier.metrics.HttpMeters.Exchange;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;

/**
 * Vert.x's HTTP client metrics ({@code vertx_http_client_*}, the series vertx-micrometer reports, with the method
 * and code labels: never the destination), through meters found once ({@link HttpMeters}). Every destination shares
 * one set of meters, as the labels do not tell them apart. A request is timed from its first byte out to its
 * response's last byte in.
 */
final class HttpClientMeters extends HttpConnectionMeters implements HttpClientMetrics<Exchange, Void, Void> {
  private final ClientMetrics<Exchange, HttpRequest, HttpResponse> endpoint = new ClientMetrics<>() {
    @Override
    public Exchange requestBegin(String uri, HttpRequest request) {
      Exchange exchange = new Exchange(meters.method(request.method()));
      exchange.method.requests.increment();
      return exchange;
    }

    @Override
    public void requestEnd(Exchange exchange, long bytesWritten) {
      exchange.requestEnded(bytesWritten);
    }

    @Override
    public void responseBegin(Exchange exchange, HttpResponse response) {
      exchange.response = exchange.method.response(response.statusCode(), null);
    }

    @Override
    public void responseEnd(Exchange exchange, long bytesRead) {
      if (exchange.response != null) {
        exchange.responseEnded(exchange.response, bytesRead);
      }
    }

    @Override
    public void requestReset(Exchange exchange) {
      exchange.reset();
    }
  };

  HttpClientMeters(MeterRegistry registry) {
    super(new HttpMeters(registry, false));
  }

  @Override
  public ClientMetrics<Exchange, HttpRequest, HttpResponse> createEndpointMetrics(SocketAddress remoteAddress,
      int maxPoolSize) {
    return endpoint;
  }
}
