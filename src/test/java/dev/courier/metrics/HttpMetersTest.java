package dev.courier.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Courier's HTTP meters report what vertx-micrometer would: the same traffic through a Vertx with vertx-micrometer's
 * own HTTP metrics and through one built as Main builds it gives the same {@code vertx_http_*} series, labels and
 * counts (response times aside, which no two runs share), and the gauges of requests and connections in flight
 * come back to what they were.
 */
class HttpMetersTest {
  @Test
  void theSameSeriesLabelsAndCountsAsVertxMicrometer() {
    PrometheusMeterRegistry theirs = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PrometheusMeterRegistry ours = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx reference = Vertx.builder().with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true).setJvmMetricsEnabled(false)
            .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE))
            .addDisabledMetricsCategory(MetricsDomain.NAMED_POOLS)))
        .withMetrics(new MicrometerMetricsFactory(theirs)).build();
    Vertx courier = VertxMetricsSetup.vertx(new VertxOptions(), ours);
    try {
      Map<String, Double> expected = httpSeries(traffic(reference, theirs));
      Map<String, Double> actual = httpSeries(traffic(courier, ours));
      assertTrue(expected.containsKey("vertx_http_server_requests_total{code=\"404\",method=\"GET\",route=\"\"}"),
          expected.keySet().toString());
      assertTrue(expected.keySet().stream().anyMatch(k -> k.contains("route=\"/items/:id\"")),
          expected.keySet().toString());
      assertEquals(expected, actual);
      assertEquals(0.0, actual.get("vertx_http_server_active_requests{method=\"POST\"}"));
      assertEquals(0.0, actual.get("vertx_http_client_active_requests{method=\"GET\"}"));
    } finally {
      TestNode.get(reference.close());
      TestNode.get(courier.close());
    }
  }

  /**
   * 3 POSTs answered 201 on a route, 2 GETs answered 404, each on a connection of its own; then a scrape. (On one
   * kept-alive connection a GET now and then hung until the test's timeout in full runs, twice in two days; the
   * likely cause, not proven, is Vert.x's race of a request sent on a pooled connection as the server closes it,
   * eclipse-vertx/vert.x#2772.) The POST's body
   * is read before the answer, so the server never answers a request it has not read.
   */
  private static String traffic(Vertx vertx, PrometheusMeterRegistry registry) {
    Router router = Router.router(vertx);
    router.post("/items/:id").handler(ctx -> ctx.request().body().onSuccess(b ->
        ctx.response().setStatusCode(201).end("made " + ctx.pathParam("id"))));
    HttpServer server = TestNode.get(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    try {
      int port = server.actualPort();
      for (int i = 0; i < 3; i++) {
        call(client, HttpMethod.POST, port, "/items/" + i, "body-" + i);
      }
      for (int i = 0; i < 2; i++) {
        call(client, HttpMethod.GET, port, "/missing", null);
      }
    } finally {
      TestNode.get(client.close());
      TestNode.get(server.close());
    }
    // The server sees the connections close a moment after the client closed them: wait for it, on both sides
    Sink.waitFor(() -> Scrape.parse(registry.scrape()).value("vertx_http_server_active_connections") == 0
        && Scrape.parse(registry.scrape()).value("vertx_http_client_active_connections") == 0, 5_000,
        "the connections to close");
    return registry.scrape();
  }

  private static void call(HttpClient client, HttpMethod method, int port, String path, String body) {
    Future<HttpClientResponse> response = client.request(new RequestOptions().setMethod(method).setHost("127.0.0.1")
            .setPort(port).setURI(path))
        .compose(req -> body == null ? req.send() : req.send(body));
    TestNode.get(response.compose(r -> r.body().map(r)));
  }

  /** The vertx_http_* samples, response times left out (their sums and maxima differ between any two runs). */
  private static Map<String, Double> httpSeries(String scrape) {
    Map<String, Double> out = new TreeMap<>();
    Scrape.parse(scrape).samples().forEach((series, value) -> {
      if (series.startsWith("vertx_http_") && !series.startsWith("vertx_http_server_response_time_seconds_sum")
          && !series.startsWith("vertx_http_server_response_time_seconds_max")
          && !series.startsWith("vertx_http_client_response_time_seconds_sum")
          && !series.startsWith("vertx_http_client_response_time_seconds_max")) {
        out.put(series, value);
      }
    });
    return out;
  }
}
