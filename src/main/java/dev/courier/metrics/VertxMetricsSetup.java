package dev.courier.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.Match;
import io.vertx.micrometer.MatchType;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;

/**
 * Builds the process's {@link Vertx} reporting its own metrics (HTTP server and client, pools, net clients, the
 * Redis client: {@code vertx_*}) to the registry Courier's series are in, so that one {@code /metrics} shows
 * both. Vert.x's metrics must be chosen when the Vertx is built, hence here and not in {@code Courier.start}.
 *
 * <p>HTTP's series are vertx-micrometer's, reported by Courier's {@link CourierVertxMetrics} with meters found once
 * rather than per request, labelled by method, status code and route pattern (never an address, nor the path: a
 * publish's path is its destination URL). For the rest, labels are chosen, not left at their defaults: a pool's
 * type and name, where the names that are not bounded are replaced by one: an HTTP client pool is named after its
 * destination's host and port, a Redis connection's pool gets a random name (the test of these series caught
 * both). The event bus is left out: the dispatchers' address names the node, new at every start; so are raw TCP
 * clients and servers (the Redis connections' bytes), which nothing reads.
 */
public final class VertxMetricsSetup {
  private VertxMetricsSetup() {}

  public static Vertx vertx(VertxOptions options, PrometheusMeterRegistry registry) {
    var metrics = new MicrometerMetricsOptions().setEnabled(true)
        .setLabels(EnumSet.of(Label.POOL_TYPE, Label.POOL_NAME))
        .addLabelMatch(alias(".*:[0-9]+", "destinations"))
        .addLabelMatch(alias("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "redis"))
        // JVM meters are bound by CourierMetrics, so that a node on a plain Vertx (the tests) has them too.
        .setJvmMetricsEnabled(false)
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
        .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET)
        // Raw TCP byte counters, recorded at every flush of every Redis connection: nothing reads them (the HTTP
        // series carry their own bytes), and the hot path pays for them (performance.md, metrics on and off).
        .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
        .addDisabledMetricsCategory(MetricsDomain.NET_SERVER);
    return Vertx.builder().with(options.setMetricsOptions(metrics))
        .withMetrics(CourierVertxMetrics.factory(new MicrometerMetricsFactory(registry), registry)).build();
  }

  /** Pool names matching {@code regex} all become {@code name} (their series add up under it). */
  private static Match alias(String regex, String name) {
    return new Match().setDomain(MetricsDomain.NAMED_POOLS).setLabel("pool_name").setType(MatchType.REGEX)
        .setValue(regex).setAlias(name);
  }
}
