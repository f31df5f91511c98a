package dev.courier.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Token rotation and the auth of the probes and {@code /metrics}, on a real node: every configured token works
 * on every route, anything else is a 401 in the QStash error shape.
 */
class ApiAuthTest {
  private static final String SECOND = "second-token-" + java.util.UUID.randomUUID();
  private static Vertx vertx;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    TestNode.get(vertx.close());
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  private static void assertUnauthorized(HttpResponse<byte[]> r, String what) {
    assertEquals(401, r.statusCode(), what);
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""), what);
    JsonObject body = new JsonObject(new String(r.body(), StandardCharsets.UTF_8));
    assertEquals(1, body.size(), what + ": only {\"error\":…}: " + body);
    assertEquals(String.class, body.getValue("error").getClass(), what);
  }

  @Test
  void everyConfiguredTokenWorksAndProbesAreOpenAndMetricsClosedByDefault() throws Exception {
    try (Sink sink = Sink.start(vertx); TestNode node = TestNode.start(vertx, Map.of("COURIER_AUTH_TOKENS", SECOND))) {
      for (String token : List.of(TestNode.TOKEN, SECOND)) {
        var published = node.send("POST", "/v2/publish/" + sink.url("/rotated"), bearer(token), "hi".getBytes(), false);
        assertEquals(200, published.statusCode(), new String(published.body()));
        assertEquals(200, node.send("GET", "/v2/keys?qstash_token=" + token, Map.of(), null, false).statusCode());
        assertEquals(200, node.send("GET", "/metrics", bearer(token), null, false).statusCode());
      }
      sink.await(2, 10_000);

      assertUnauthorized(node.send("POST", "/v2/publish/" + sink.url("/x"), Map.of(), "x".getBytes(), false),
          "publish without token");
      for (String wrong : List.of("nope", TestNode.TOKEN + "x", SECOND.substring(1), TestNode.TOKEN + "," + SECOND)) {
        assertUnauthorized(node.send("GET", "/v2/queues", bearer(wrong), null, false), "wrong token");
        assertUnauthorized(node.send("POST", "/v2/publish/" + sink.url("/x"), bearer(wrong), "x".getBytes(), false),
            "publish, wrong token");
      }
      assertUnauthorized(node.send("GET", "/metrics", Map.of(), null, false), "metrics take the token by default");
      for (String probe : List.of("/health", "/health/live", "/health/ready")) {
        assertEquals(200, node.send("GET", probe, Map.of(), null, false).statusCode(), probe + " is open");
      }
      assertEquals(2, sink.received().size(), "nothing published with a wrong token");
    }
  }

  @Test
  void probesCanTakeTheTokenAndMetricsCanBeOpen() throws Exception {
    try (TestNode node = TestNode.start(vertx, Map.of("COURIER_AUTH_TOKENS", SECOND,
        "COURIER_HTTP_HEALTH_AUTH", "true", "COURIER_METRICS_AUTH", "false"))) {
      for (String probe : List.of("/health", "/health/live", "/health/ready")) {
        assertUnauthorized(node.send("GET", probe, Map.of(), null, false), probe + " without token");
        assertUnauthorized(node.send("GET", probe, bearer("nope"), null, false), probe + " with a wrong token");
        assertEquals(200, node.send("GET", probe, bearer(SECOND), null, false).statusCode(), probe);
      }
      var metrics = node.send("GET", "/metrics", Map.of(), null, false);
      assertEquals(200, metrics.statusCode());
      assertEquals(true, new String(metrics.body(), StandardCharsets.UTF_8).contains("courier_"));
      assertUnauthorized(node.send("GET", "/v2/keys", Map.of(), null, false), "the API still takes it");
    }
  }
}
