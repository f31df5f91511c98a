package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.ChildNode;
import dev.courier.support.Sink;
import dev.courier.support.Sink.Reply;
import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Invariant 1 of design.md: a node killed with SIGKILL while it holds leases loses nothing. A second
 * JVM runs a real node, accepts messages and takes them in flight to a destination that never answers;
 * it is then killed; once the leases expire, a new node delivers every one of them.
 */
class CrashRecoveryTest {
  private static final int MESSAGES = 40;

  @Test
  void leasedMessagesOfAKilledNodeAreDeliveredByAnother() throws Exception {
    Vertx vertx = Vertx.vertx();
    Sink sink = Sink.start(vertx);
    Set<String> delivered = ConcurrentHashMap.newKeySet();
    sink.respond(r -> new Reply(200, Map.of(), "", 120_000)); // stall: the attempts stay in flight
    String prefix = "crash" + UUID.randomUUID().toString().substring(0, 8);
    Process child = startChild(prefix);
    TestNode survivor = null;
    try {
      String base = ChildNode.awaitListening(child);
      HttpClient http = HttpClient.newHttpClient();
      Set<String> accepted = ConcurrentHashMap.newKeySet();
      for (int i = 0; i < MESSAGES; i++) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/publish/" + sink.url("/m" + i)))
            .header("Authorization", "Bearer " + TestNode.TOKEN).header("Upstash-Timeout", "3s")
            .POST(HttpRequest.BodyPublishers.ofString("m" + i)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        accepted.add(new io.vertx.core.json.JsonObject(r.body()).getString("messageId"));
      }
      sink.await(MESSAGES, 15_000); // every message is now leased by the child and in flight

      child.destroyForcibly(); // SIGKILL: no shutdown hook, no outcome written
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
      long killedAt = System.currentTimeMillis();

      sink.respond(r -> {
        delivered.add(r.header("Upstash-Message-Id"));
        return Reply.ok();
      });
      survivor = TestNode.start(vertx, Map.of("COURIER_REDIS_KEY_PREFIX", prefix));
      Sink.waitFor(() -> delivered.containsAll(accepted), 30_000,
          "only " + delivered.size() + " of " + MESSAGES + " messages recovered");
      assertEquals(accepted, delivered);
      assertTrue(System.currentTimeMillis() - killedAt >= 1_000, "recovered only after the leases expired");
      TestNode s = survivor;
      Sink.waitFor(() -> s.storedKeys() == 0, 10_000, "acknowledged messages left keys behind");
    } finally {
      child.destroyForcibly();
      if (survivor != null) {
        survivor.close();
      }
      sink.close();
      TestNode.get(vertx.close());
    }
  }

  private static Process startChild(String prefix) throws Exception {
    Map<String, String> env = new java.util.HashMap<>(TestNode.env(TestRedis.url(), prefix));
    env.put("COURIER_DELIVERY_LEASE_GRACE", "1s");
    return ChildNode.start(env);
  }
}
