package dev.courier.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;

/**
 * Builds the process's {@link Vertx} reporting its own HTTP server, HTTP client, pool and net metrics
 * ({@code vertx_*}) to the registry Courier's series are in, so that one {@code /metrics} shows both. Vert.x's
 * metrics must be chosen when the Vertx is built, hence here and not in {@code Courier.start}.
 *
 * <p>Labels are chosen, not left at their defaults: never the remote or local address (a destination's host)
 * nor the HTTP path (a publish's path is its destination URL); only the method, the status code, the route
 * pattern and the pool's type (a client pool's name is its destination's host and port: the test of these
 * series caught it). The event bus is left out: the dispatchers' address names the node,
 * a new one at every start, and the hand-off is counted by Courier's own series anyway.
 */
public final class VertxMetricsSetup {
  private VertxMetricsSetup() {}

  public static Vertx vertx(VertxOptions options, PrometheusMeterRegistry registry) {
    var metrics = new MicrometerMetricsOptions().setEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE, Label.POOL_TYPE,
            Label.NAMESPACE))
        // JVM meters are bound by CourierMetrics, so that a node on a plain Vertx (the tests) has them too.
        .setJvmMetricsEnabled(false)
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
        .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET);
    return Vertx.builder().with(options.setMetricsOptions(metrics)).withMetrics(new MicrometerMetricsFactory(registry))
        .build();
  }
}
