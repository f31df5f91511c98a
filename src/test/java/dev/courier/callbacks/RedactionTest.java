package dev.courier.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.model.Redaction;
import dev.courier.support.Sink;
import dev.courier.support.Sink.Received;
import dev.courier.support.Sink.Reply;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code Upstash-Redact-Fields} (issue #17): the secret never shows in an API answer or a callback, while the
 * destination gets it intact on the first attempt, on a retry and after a DLQ retry.
 */
class RedactionTest {
  private static final String TOKEN = "Bearer s3cret-token-123";
  private static final String BODY = "the-s3cret-body-456";
  private Vertx vertx;
  private TestNode node;
  private Sink sink;
  /** Every API answer and callback body this test read: none may hold a secret. */
  private final List<String> seen = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    node = TestNode.start(vertx);
    sink = Sink.start(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    sink.close();
    TestNode.get(vertx.close());
  }

  private String api(String method, String path, Map<String, String> headers) {
    HttpResponse<byte[]> r = node.send(method, path, headers, null);
    String text = new String(r.body(), StandardCharsets.UTF_8);
    seen.add(text);
    return text;
  }

  private List<Received> at(String path) {
    return sink.received().stream().filter(d -> d.uri().equals(path)).toList();
  }

  @Test
  void theSecretIsHiddenEverywhereButReachesTheDestinationIntact() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    AtomicBoolean deadFails = new AtomicBoolean(true);
    sink.respond(r -> switch (r.uri()) {
      case "/r" -> attempts.incrementAndGet() == 1 ? Reply.status(500) : Reply.ok();
      case "/dead" -> deadFails.get() ? Reply.status(500) : Reply.ok();
      default -> Reply.ok();
    });
    Map<String, String> headers = Map.of("Upstash-Forward-Authorization", TOKEN, "Upstash-Forward-X-Other", "visible",
        "Upstash-Redact-Fields", "body, header[Authorization]", "Upstash-Retries", "1", "Upstash-Retry-Delay", "50",
        "Upstash-Callback", sink.url("/cb"), "Upstash-Delay", "1s");
    HttpResponse<byte[]> p = node.send("POST", "/v2/publish/" + sink.url("/r"), headers,
        BODY.getBytes(StandardCharsets.UTF_8));
    assertEquals(200, p.statusCode(), new String(p.body()));
    String id = new JsonObject(Buffer.buffer(p.body())).getString("messageId");
    JsonObject m = new JsonObject(api("GET", "/v2/messages/" + id, Map.of()));
    assertEquals(Redaction.redacted(BODY), m.getString("body"));
    assertEquals(List.of(Redaction.redacted(TOKEN)), m.getJsonObject("header").getJsonArray("Authorization").getList());
    assertEquals(List.of("visible"), m.getJsonObject("header").getJsonArray("X-Other").getList(), "only what was named");

    Sink.waitFor(() -> at("/r").size() == 2 && at("/cb").size() == 2, 10_000, "two attempts, two callbacks");
    for (Received d : at("/r")) {
      assertEquals(TOKEN, d.header("Authorization"), "the destination gets the original");
      assertEquals(BODY, new String(d.body(), StandardCharsets.UTF_8));
    }
    for (Received cb : at("/cb")) {
      String text = new String(cb.body(), StandardCharsets.UTF_8);
      seen.add(text);
      JsonObject body = new JsonObject(text);
      assertEquals(Redaction.redacted(BODY), body.getString("sourceBody"));
      assertEquals(List.of(Redaction.redacted(TOKEN)), body.getJsonObject("sourceHeader").getJsonArray("Authorization")
          .getList());
    }

    // a dead letter shows it hidden; its DLQ retry delivers the original
    HttpResponse<byte[]> d = node.send("POST", "/v2/publish/" + sink.url("/dead"), Map.of("Upstash-Retries", "0",
        "Upstash-Forward-Authorization", TOKEN, "Upstash-Redact-Fields", "body,header"), BODY.getBytes());
    assertEquals(200, d.statusCode());
    Sink.waitFor(() -> node.deadLetters().size() == 1, 10_000, "the dead letter");
    JsonObject dead = new JsonObject(api("GET", "/v2/dlq", Map.of())).getJsonArray("messages").getJsonObject(0);
    assertEquals(Redaction.redacted(BODY), dead.getString("body"));
    api("GET", "/v2/dlq/" + dead.getString("dlqId"), Map.of());
    deadFails.set(false);
    api("POST", "/v2/dlq/retry/" + dead.getString("dlqId"), Map.of());
    Sink.waitFor(() -> at("/dead").size() == 2, 10_000, "the retried dead letter delivered");
    assertEquals(TOKEN, at("/dead").get(1).header("Authorization"));
    assertEquals(BODY, new String(at("/dead").get(1).body(), StandardCharsets.UTF_8));

    for (String answer : seen) {
      assertTrue(!answer.contains("s3cret"), "a secret in: " + answer);
    }
  }

  @Test
  void anUnknownFieldIs400() {
    for (String v : List.of("bodyy", "header[]", "header[a b]", " , ")) {
      HttpResponse<byte[]> r = node.send("POST", "/v2/publish/" + sink.url("/x"), Map.of("Upstash-Redact-Fields", v),
          "b".getBytes());
      assertEquals(400, r.statusCode(), v);
      assertTrue(new String(r.body()).contains("Upstash-Redact-Fields"), new String(r.body()));
    }
  }
}
