package dev.courier.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.chaos.HostileServers.Exchange;
import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fault test 4 of issue #21: destinations that answer with a 1 GB body, trickle a response for ever, redirect
 * in a loop, or redirect to the cloud metadata address, all at once, beside a healthy destination. Courier
 * reads at most {@code delivery.max-response-body} of an answer, gives up at the message's timeout, stops after
 * its redirect limit, refuses the denied hop without retrying, and meanwhile delivers the healthy destination's
 * messages promptly and answers {@code /health/ready}.
 */
class HostileDestinationTest {
  private static final long ONE_GB = 1L << 30;
  private static final int MAX_BODY = 8 * 1024;
  private static final long TIMEOUT_MS = 2_000;
  /** What the kernel's socket buffers on loopback can take beyond what Courier read: far below 1 GB. */
  private static final long SOCKET_SLACK = 32L * 1024 * 1024;
  /** Attempts per message where a retry is asked for: the first and one retry, 100 ms apart. */
  private static final Map<String, String> ONE_RETRY = Map.of("Upstash-Retries", "1", "Upstash-Retry-Delay", "100");

  /** The hostile servers run on a Vertx of their own: their work does not share the node's event loops. */
  private Vertx servers;
  private Vertx nodeVertx;
  private TestNode node;
  private final List<AutoCloseable> closing = new java.util.ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    servers = Vertx.vertx();
    nodeVertx = Vertx.vertx();
    node = TestNode.start(nodeVertx, Map.of("COURIER_DELIVERY_MAX_RESPONSE_BODY", Integer.toString(MAX_BODY)));
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    for (AutoCloseable c : closing) {
      c.close();
    }
    TestNode.get(nodeVertx.close());
    TestNode.get(servers.close());
  }

  private <T extends AutoCloseable> T started(T server) {
    closing.add(server);
    return server;
  }

  @Test
  void hostileDestinationsCostTheirOwnMessagesOnly() throws Exception {
    var hugeOk = started(new HostileServers.HugeBody(servers, 200, ONE_GB));
    var hugeFailing = started(new HostileServers.HugeBody(servers, 500, ONE_GB));
    var trickle = started(new HostileServers.Trickle(servers));
    var redirects = started(new HostileServers.Redirects(servers, "http://169.254.169.254/latest/meta-data/"));
    Sink healthy = started(Sink.start(servers));

    String timeout = TIMEOUT_MS / 1000 + "s";
    String bigOk = publish(hugeOk.url("/big"), Map.of("Upstash-Retries", "0"));
    String bigFailing = publish(hugeFailing.url("/big"), Map.of("Upstash-Retries", "0"));
    String trickleHead = publish(trickle.url("/head"), with(ONE_RETRY, "Upstash-Timeout", timeout));
    String trickleBody = publish(trickle.url("/body"), Map.of("Upstash-Retries", "0", "Upstash-Timeout", timeout));
    String loop = publish(redirects.url("/loop/a"), ONE_RETRY);
    String denied = publish(redirects.url("/deny"), Map.of("Upstash-Retries", "3"));

    // While the trickling destinations hold their attempts open, a healthy destination is served promptly.
    Sink.waitFor(() -> !trickle.head.isEmpty() && !trickle.body.isEmpty(), 10_000, "trickling attempts started");
    long healthyStart = System.nanoTime();
    int healthyCount = 50;
    for (int i = 0; i < healthyCount; i++) {
      publish(healthy.url("/ok/" + i), Map.of());
    }
    healthy.await(healthyCount, 5_000);
    long healthyMs = (System.nanoTime() - healthyStart) / 1_000_000;
    assertTrue(trickle.head.stream().anyMatch(e -> !e.closed()), "measured while a trickling attempt was open");
    long readyStart = System.nanoTime();
    HttpResponse<byte[]> ready = node.send("GET", "/health/ready", Map.of(), null);
    assertEquals(200, ready.statusCode(), new String(ready.body()));
    assertTrue((System.nanoTime() - readyStart) / 1_000_000 < 1_000, "ready answered within a second");

    // (a) 1 GB answers: decided on at most MAX_BODY of them, the connection then closed by Courier.
    JsonObject hugeDead = deadLetter(bigFailing);
    assertEquals(500, hugeDead.getInteger("responseStatus"), hugeDead.encode());
    assertEquals(MAX_BODY, hugeDead.getString("responseBody").length(), "the body kept is the configured size");
    assertEquals(0, hugeDead.getInteger("retried"));
    awaitDelivered(bigOk);
    for (var server : List.of(hugeOk, hugeFailing)) {
      assertEquals(1, server.exchanges.size(), "one attempt each");
      Exchange e = server.exchanges.get(0);
      Sink.waitFor(e::closed, 5_000, "Courier closed the 1 GB answer's connection");
      assertTrue(e.written < SOCKET_SLACK, "the server could write only " + e.written + " bytes of 1 GB");
    }

    // (b) a status line that never comes: a timeout at the message's timeout, each attempt, then the DLQ.
    JsonObject headDead = deadLetter(trickleHead);
    assertEquals("timeout after " + TIMEOUT_MS + " ms", headDead.getString("error"), headDead.encode());
    assertFalse(headDead.containsKey("responseStatus"), "no status ever arrived");
    assertEquals(1, headDead.getInteger("retried"));
    assertEquals(2, trickle.head.size(), "two attempts, two connections");
    //     a 200 whose body trickles: delivered on its status line, its connection closed at the timeout.
    awaitDelivered(trickleBody);
    assertEquals(1, trickle.body.size());
    for (Exchange e : concat(trickle.head, trickle.body)) {
      Sink.waitFor(e::closed, TIMEOUT_MS + 3_000, "Courier closed a trickling connection");
      assertTrue(e.heldMs() < TIMEOUT_MS + 1_500, "held " + e.heldMs() + " ms, timeout " + TIMEOUT_MS);
    }

    // (c) a redirect loop: each attempt stops after Courier's 10 redirects and fails with the last 302.
    JsonObject loopDead = deadLetter(loop);
    assertEquals(302, loopDead.getInteger("responseStatus"), loopDead.encode());
    assertEquals(1, loopDead.getInteger("retried"));
    assertEquals(2 * 11, redirects.loop.get(), "2 attempts of 1 request and 10 redirects each");

    // (d) a redirect to the metadata address: refused before the hop, into the DLQ at once despite 3 retries.
    JsonObject deniedDead = deadLetter(denied);
    assertTrue(deniedDead.getString("error").startsWith("destination not allowed: 169.254.169.254"),
        deniedDead.encode());
    assertEquals(0, deniedDead.getInteger("retried"));
    assertEquals(1, redirects.deny.get(), "one request, not retried");

    // Still healthy afterwards, and the healthy destination's deliveries were not held up by the others.
    assertEquals(200, node.send("GET", "/health/ready", Map.of(), null).statusCode());
    assertTrue(healthyMs < 5_000, "healthy deliveries took " + healthyMs + " ms");
    assertEquals(4, node.deadLetters().size(), "four dead letters; the other two were delivered");
    // The figures, for docs/reliability.md and for whoever reads a slow run's report.
    System.out.printf("healthy: %d deliveries in %d ms; 1 GB answers: %d and %d bytes written; trickles held %s ms%n",
        healthyCount, healthyMs, hugeOk.exchanges.get(0).written, hugeFailing.exchanges.get(0).written,
        concat(trickle.head, trickle.body).stream().map(e -> Long.toString(e.heldMs())).toList());
  }

  private String publish(String url, Map<String, String> headers) {
    return node.publish(url, headers, "x".getBytes()).getString("messageId");
  }

  private static Map<String, String> with(Map<String, String> base, String name, String value) {
    Map<String, String> m = new HashMap<>(base);
    m.put(name, value);
    return m;
  }

  private static List<Exchange> concat(List<Exchange> a, List<Exchange> b) {
    List<Exchange> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** The message's dead letter, once it is there. */
  private JsonObject deadLetter(String messageId) {
    JsonObject[] found = {null};
    Sink.waitFor(() -> {
      JsonArray dead = node.deadLetters();
      for (int i = 0; i < dead.size(); i++) {
        if (messageId.equals(dead.getJsonObject(i).getString("messageId"))) {
          found[0] = dead.getJsonObject(i);
          return true;
        }
      }
      return false;
    }, 15_000, "message " + messageId + " dead-lettered");
    return found[0];
  }

  /** A delivered message is gone from the store: GET /v2/messages/{id} answers 404. */
  private void awaitDelivered(String messageId) {
    Sink.waitFor(() -> node.send("GET", "/v2/messages/" + messageId, Map.of(), null).statusCode() == 404, 15_000,
        "message " + messageId + " delivered");
  }
}
