package dev.courier.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one side of Vert.x's HTTP ({@code vertx.http.server} or {@code vertx.http.client}), looked up once
 * per method, status code and route and then kept: the series, names and labels are vertx-micrometer's own, but
 * vertx-micrometer finds each meter again for every request (a new {@code Tags}, a registry lookup by id), four or
 * five times per request, which was most of what metrics cost on the hot path (performance.md, "Metrics on and
 * off"). Every label value comes from a bounded set: a method outside HTTP's own is counted as {@code OTHER}, a
 * status code is a number below 1000, a route is one of the router's patterns.
 */
final class HttpMeters {
  private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
      "TRACE", "CONNECT");

  /** What is counted per method: the requests in flight and the request sizes (and, for a client, the requests). */
  final class ByMethod {
    final String method;
    final LongAdder active = new LongAdder();
    final DistributionSummary requestBytes;
    final Counter requests;
    private final ConcurrentHashMap<Long, ByResponse> byResponse = new ConcurrentHashMap<>();

    private ByMethod(String method) {
      this.method = method;
      Tags tags = Tags.of("method", method);
      Gauge.builder(prefix + ".active.requests", active, LongAdder::doubleValue).tags(tags)
          .description("Number of requests being processed").register(registry);
      requestBytes = DistributionSummary.builder(prefix + ".request.bytes").tags(tags)
          .description("Size of requests in bytes").register(registry);
      // A server counts its requests by response (below), as vertx-micrometer does; a client as they are sent.
      requests = server ? null : Counter.builder(prefix + ".requests").tags(tags)
          .description("Number of requests sent").register(registry);
    }

    /** The meters of the responses with this status code (and route: a server's only, "" for none). */
    ByResponse response(int code, String route) {
      // One map of few entries (codes and routes are few): the key packs the route's hash beside the code, and a
      // route that shares another's hash and code only replaces its entry (the registry gives back the same meters).
      String r = route == null ? "" : route;
      long key = ((long) r.hashCode() << 32) | (code & 0xffffffffL);
      ByResponse found = byResponse.get(key);
      if (found == null || !found.route.equals(r)) {
        found = byResponse.compute(key, (k, old) -> old != null && old.route.equals(r) ? old
            : new ByResponse(this, code, r));
      }
      return found;
    }
  }

  /** What is counted per method, status code and (on a server) route. */
  final class ByResponse {
    final String route;
    final Counter responses;
    final Timer responseTime;
    final DistributionSummary responseBytes;

    private ByResponse(ByMethod m, int code, String route) {
      this.route = route;
      Tags tags = server ? Tags.of("method", m.method, "code", Integer.toString(code), "route", route)
          : Tags.of("method", m.method, "code", Integer.toString(code));
      responses = Counter.builder(prefix + (server ? ".requests" : ".responses")).tags(tags)
          .description(server ? "Number of processed requests" : "Response count with codes").register(registry);
      responseTime = Timer.builder(prefix + ".response.time").tags(tags)
          .description(server ? "Request processing time" : "Response time").register(registry);
      responseBytes = DistributionSummary.builder(prefix + ".response.bytes").tags(tags)
          .description("Size of responses in bytes").register(registry);
    }

    void record(long startNanos, long bytes) {
      responses.increment();
      responseTime.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
      responseBytes.record(bytes);
    }
  }

  private final MeterRegistry registry;
  private final String prefix;
  private final boolean server;
  private final ConcurrentHashMap<String, ByMethod> byMethod = new ConcurrentHashMap<>();
  final LongAdder connections = new LongAdder();
  final Counter bytesRead;
  final Counter bytesWritten;

  /** @param server true for {@code vertx.http.server}, false for {@code vertx.http.client} */
  HttpMeters(MeterRegistry registry, boolean server) {
    this.registry = registry;
    this.server = server;
    this.prefix = server ? "vertx.http.server" : "vertx.http.client";
    Gauge.builder(prefix + ".active.connections", connections, LongAdder::doubleValue)
        .description("Number of opened connections").register(registry);
    bytesRead = Counter.builder(prefix + ".bytes.read").description("Number of bytes received").register(registry);
    bytesWritten = Counter.builder(prefix + ".bytes.written").description("Number of bytes sent").register(registry);
  }

  ByMethod method(HttpMethod method) {
    String name = method.name();
    ByMethod found = byMethod.get(name);
    return found != null ? found
        : byMethod.computeIfAbsent(KNOWN_METHODS.contains(name) ? name : "OTHER", ByMethod::new);
  }

  /** One request and its response, from the first byte in (server) or out (client) to the last. */
  static final class Exchange {
    final ByMethod method;
    final long start = System.nanoTime();
    ByResponse response;
    String route;
    private boolean requestEnded;
    private boolean responseEnded;
    private boolean reset;

    Exchange(ByMethod method) {
      this.method = method;
      method.active.increment();
    }

    /** The request's last byte: it is no longer in flight if its response has ended too. */
    void requestEnded(long bytes) {
      method.requestBytes.record(bytes);
      requestEnded = true;
      if (responseEnded && !reset) {
        method.active.decrement();
      }
    }

    /** The response's last byte, with the meters of its status code. */
    void responseEnded(ByResponse meters, long bytes) {
      meters.record(start, bytes);
      responseEnded = true;
      if (requestEnded && !reset) {
        method.active.decrement();
      }
    }

    void reset() {
      if (!reset && !(requestEnded && responseEnded)) {
        reset = true;
        method.active.decrement();
      }
    }
  }
}
