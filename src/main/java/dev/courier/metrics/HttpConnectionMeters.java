package dev.courier.metrics;

import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.TCPMetrics;

/**
 * What Vert.x reports per connection of its HTTP server or client, the same on both sides: connections open, bytes
 * read and written ({@code vertx_http_<side>_active_connections}, {@code _bytes_read_total},
 * {@code _bytes_written_total}). No state per connection is kept, so the socket metric is {@code Void}.
 */
abstract class HttpConnectionMeters implements TCPMetrics<Void> {
  final HttpMeters meters;

  HttpConnectionMeters(HttpMeters meters) {
    this.meters = meters;
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
}
