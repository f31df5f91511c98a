package dev.courier.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;

/**
 * Vert.x's metrics as vertx-micrometer reports them, but for HTTP: the server's and the client's series come from
 * {@link HttpServerMeters} and {@link HttpClientMeters}, which report the same series with meters found once
 * instead of once per request. Pools, the Redis client and everything else stay vertx-micrometer's.
 */
final class CourierVertxMetrics implements VertxMetrics {
  private final VertxMetrics delegate;
  private final MeterRegistry registry;

  private CourierVertxMetrics(VertxMetrics delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
  }

  /** A factory that wraps what {@code micrometer} builds. */
  static VertxMetricsFactory factory(VertxMetricsFactory micrometer, MeterRegistry registry) {
    return new VertxMetricsFactory() {
      @Override
      public VertxMetrics metrics(VertxOptions options) {
        return new CourierVertxMetrics(micrometer.metrics(options), registry);
      }

      @Override
      public MetricsOptions newOptions() {
        return micrometer.newOptions();
      }

      @Override
      public MetricsOptions newOptions(MetricsOptions options) {
        return micrometer.newOptions(options);
      }
    };
  }

  @Override
  public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
    return new HttpServerMeters(registry);
  }

  @Override
  public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
    return new HttpClientMeters(registry);
  }

  @Override
  public EventBusMetrics createEventBusMetrics() {
    return delegate.createEventBusMetrics();
  }

  @Override
  public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
    return delegate.createClientMetrics(remoteAddress, type, namespace);
  }

  @Override
  public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
    return delegate.createNetServerMetrics(options, localAddress);
  }

  @Override
  public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
    return delegate.createNetClientMetrics(options);
  }

  @Override
  public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
    return delegate.createDatagramSocketMetrics(options);
  }

  @Override
  public PoolMetrics<?, ?> createPoolMetrics(String poolType, String poolName, int maxPoolSize) {
    return delegate.createPoolMetrics(poolType, poolName, maxPoolSize);
  }

  @Override
  public void vertxCreated(Vertx vertx) {
    delegate.vertxCreated(vertx);
  }

  @Override
  public boolean isMetricsEnabled() {
    return delegate.isMetricsEnabled();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
