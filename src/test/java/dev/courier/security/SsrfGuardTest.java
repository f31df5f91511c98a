package dev.courier.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.Sink.Reply;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SSRF guard (issue #21) on a real node and a real sink. */
class SsrfGuardTest {
  private Vertx vertx;
  private TestNode node;
  private Sink sink;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    sink = Sink.start(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    sink.close();
    TestNode.get(vertx.close());
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body());
  }

  @Test
  void theMetadataAddressIsRefusedAtPublishAndAfterARedirect() throws Exception {
    node = TestNode.start(vertx);
    for (String path : new String[] {"/v2/publish/http://169.254.169.254/latest/meta-data/",
        "/v2/enqueue/q/http://169.254.10.1/latest"}) {
      HttpResponse<byte[]> r = node.send("POST", path, Map.of(), "x".getBytes());
      assertEquals(400, r.statusCode(), text(r));
      assertTrue(text(r).contains("destination not allowed"), text(r));
    }
    HttpResponse<byte[]> cb = node.send("POST", "/v2/publish/" + sink.url("/ok"),
        Map.of("Upstash-Failure-Callback", "http://169.254.169.254/x"), "x".getBytes());
    assertEquals(400, cb.statusCode(), text(cb));
    HttpResponse<byte[]> endpoint = node.send("POST", "/v2/topics/g/endpoints", Map.of(),
        "{\"endpoints\":[{\"url\":\"http://169.254.169.254/\"}]}".getBytes());
    assertEquals(400, endpoint.statusCode(), text(endpoint));
    assertEquals(0, node.storedKeys(), "nothing stored");

    // a destination that redirects there: stopped before the hop, into the DLQ at once, no retries
    sink.respond(r -> new Reply(302, Map.of("Location", "http://169.254.169.254/latest/meta-data/"), "", 0));
    JsonObject res = node.publish(sink.url("/redirect"), Map.of("Upstash-Retries", "3"), "x".getBytes());
    Sink.waitFor(() -> node.deadLetters().size() == 1, 10_000, "dead-lettered");
    JsonObject dead = node.deadLetters().getJsonObject(0);
    assertEquals(res.getString("messageId"), dead.getString("messageId"));
    assertTrue(dead.getString("error").startsWith("destination not allowed: 169.254.169.254"), dead.encode());
    assertEquals(1, sink.received().size(), "one attempt, not retried");
  }

  @Test
  void theProductionProfileDeniesPrivateAddressesByLiteralAndByName() throws Exception {
    node = TestNode.start(vertx, Map.of("COURIER_PROFILE", "production"));
    HttpResponse<byte[]> literal = node.send("POST", "/v2/publish/" + sink.url("/x"), Map.of(), "x".getBytes());
    assertEquals(400, literal.statusCode(), text(literal));
    assertTrue(text(literal).contains("127.0.0.0/8"), text(literal));

    // a name that resolves to loopback passes the publish and fails at delivery, once, into the DLQ
    int port = URI.create(sink.url("/x")).getPort();
    JsonObject res = node.publish("http://localhost:" + port + "/by-name", Map.of("Upstash-Retries", "3"),
        "x".getBytes());
    Sink.waitFor(() -> node.deadLetters().size() == 1, 10_000, "dead-lettered");
    JsonObject dead = node.deadLetters().getJsonObject(0);
    assertEquals(res.getString("messageId"), dead.getString("messageId"));
    assertTrue(dead.getString("error").startsWith("destination not allowed"), dead.encode());
    assertTrue(!dead.containsKey("responseStatus"), "nothing was sent");
    assertEquals(0, sink.received().size(), "the sink never saw a request");
  }

  @Test
  void privateAddressesCanBeAllowedInProductionAndExtraNetworksDenied() throws Exception {
    node = TestNode.start(vertx, Map.of("COURIER_PROFILE", "production", "COURIER_SECURITY_DENY_PRIVATE_NETWORKS",
        "false", "COURIER_SECURITY_DENIED_NETWORKS", "198.51.100.0/24"));
    node.publish(sink.url("/allowed"), Map.of(), "x".getBytes());
    Sink.waitFor(() -> sink.received().size() == 1, 10_000, "delivered to loopback when allowed");
    HttpResponse<byte[]> r = node.send("POST", "/v2/publish/http://198.51.100.7/x", Map.of(), "x".getBytes());
    assertEquals(400, r.statusCode(), text(r));
    assertTrue(text(r).contains("198.51.100.0/24"), text(r));
    JsonObject none = new JsonObject(Buffer.buffer(r.body()));
    assertTrue(none.containsKey("error"));
  }
}
