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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Invariant 4 of design.md for flow-control keys, across real processes: two Courier nodes (two JVMs) on one
 * Redis, both publishing and both delivering, share a key's rate window and its permits. With one shard and
 * with four.
 */
class TwoNodeFlowControlTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private Vertx vertx;
  private final List<Process> children = new ArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    children.forEach(Process::destroyForcibly);
    TestNode.get(vertx.close());
  }

  private String node(String prefix, int shards) throws Exception {
    Map<String, String> env = new HashMap<>(TestNode.env(TestRedis.url(), prefix));
    env.put("COURIER_REDIS_SHARDS", Integer.toString(shards));
    Process child = ChildNode.start(env);
    children.add(child);
    return ChildNode.awaitListening(child);
  }

  private static void publish(String base, String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v2/publish/" + url))
        .header("Authorization", "Bearer " + TestNode.TOKEN).POST(HttpRequest.BodyPublishers.ofString("x"));
    headers.forEach(b::header);
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void twoNodesShareAKeysRateWindowAndPermits(int shards) throws Exception {
    String prefix = "twofc" + UUID.randomUUID().toString().substring(0, 8);
    String a = node(prefix, shards);
    String b = node(prefix, shards);
    Sink sink = Sink.start(vertx);
    try {
      // Warm both nodes' delivery path first (a fresh JVM's first attempts take hundreds of ms): the sink
      // measures when attempts arrive, and a window is counted from when they start.
      for (int i = 0; i < 10; i++) {
        publish(i % 2 == 0 ? a : b, sink.url("/warm" + i), Map.of());
      }
      sink.await(10, 30_000);
      sink.received().clear();
      // rate=5 per 1 s: 20 messages published through both nodes start in four windows of 1 s, the first
      // opened by the first attempt (after the first publish). So the (5k+1)-th attempt cannot arrive
      // before k seconds after the first publish, and the last one not before 3 s. (Windows are fixed, as
      // QStash's ratePeriodStart says: five at the end of one and five at the start of the next may be close.)
      Map<String, String> rate = Map.of("Upstash-Flow-Control-Key", "fc-rate-" + shards,
          "Upstash-Flow-Control-Value", "rate=5, period=1s");
      long published = System.currentTimeMillis();
      for (int i = 0; i < 20; i++) {
        publish(i % 2 == 0 ? a : b, sink.url("/rate" + i), rate);
      }
      sink.await(20, 30_000);
      List<Long> at = sink.received().stream().map(Sink.Received::at).sorted().toList();
      for (int k = 1; k <= 3; k++) {
        assertTrue(at.get(5 * k) - published >= 1_000L * k, "attempt " + (5 * k + 1) + " came "
            + (at.get(5 * k) - published) + " ms after the first publish: " + at);
      }
      assertTrue(at.get(19) - published >= 3_000, "20 at 5 per second took " + (at.get(19) - published) + " ms");
      assertTrue(at.get(19) - published < 10_000, "and not much slower: " + (at.get(19) - published) + " ms");
    } finally {
      sink.close();
    }

    // parallelism=3 to a slow destination, through both nodes: three in flight at the peak, never four.
    Sink slow = Sink.start(vertx);
    try {
      slow.respond(r -> new Reply(200, Map.of(), "", 300));
      Map<String, String> parallel = Map.of("Upstash-Flow-Control-Key", "fc-par-" + shards,
          "Upstash-Flow-Control-Value", "parallelism=3");
      for (int i = 0; i < 15; i++) {
        publish(i % 2 == 0 ? a : b, slow.url("/p" + i), parallel);
      }
      slow.await(15, 30_000);
      Sink.waitFor(() -> slow.peakOpen() >= 3, 1_000, "three in flight at the peak");
      assertEquals(3, slow.peakOpen(), "never four in flight, whichever node claimed");
    } finally {
      slow.close();
    }
  }
}
