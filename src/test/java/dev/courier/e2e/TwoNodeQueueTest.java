package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.ChildNode;
import dev.courier.support.Sink;
import dev.courier.support.Sink.Reply;
import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Invariant 4 of design.md across real processes: two Courier nodes (two JVMs) on one Redis share a
 * queue's permits, so its parallelism holds whichever node claims; a node killed while it holds a
 * parallelism-1 queue's permit gives it back when its lease expires, and the queue goes on in order.
 * With one shard and with four.
 */
class TwoNodeQueueTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private Vertx vertx;
  private Sink sink;
  private final List<Process> children = new ArrayList<>();
  private TestNode survivor;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    sink = Sink.start(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    children.forEach(Process::destroyForcibly);
    if (survivor != null) {
      survivor.close();
    }
    sink.close();
    TestNode.get(vertx.close());
  }

  private Map<String, String> env(String prefix, int shards) {
    Map<String, String> env = new HashMap<>(TestNode.env(TestRedis.url(), prefix));
    env.put("COURIER_REDIS_SHARDS", Integer.toString(shards));
    env.put("COURIER_DELIVERY_LEASE_GRACE", "1s");
    return env;
  }

  private String node(String prefix, int shards) throws Exception {
    Process child = ChildNode.start(env(prefix, shards));
    children.add(child);
    return ChildNode.awaitListening(child);
  }

  private static HttpResponse<String> send(String base, String path, Map<String, String> headers, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization",
        "Bearer " + TestNode.TOKEN).POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String enqueue(String base, String queue, String path, Map<String, String> headers) throws Exception {
    HttpResponse<String> r = send(base, "/v2/enqueue/" + queue + "/" + sink.url(path), headers, path);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getString("messageId");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void twoNodesShareAQueuesPermits(int shards) throws Exception {
    String prefix = "two" + UUID.randomUUID().toString().substring(0, 8);
    String a = node(prefix, shards);
    String b = node(prefix, shards);

    // Parallelism 1, published through both nodes: strictly in order, never two in flight, though some
    // first attempts fail and wait for their retry.
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    Set<String> failedOnce = ConcurrentHashMap.newKeySet();
    sink.respond(r -> {
      String path = r.uri();
      if (path.startsWith("/fifo") && path.endsWith("7") && failedOnce.add(path)) {
        return new Reply(503, Map.of(), "", 3);
      }
      if (path.startsWith("/fifo")) {
        order.add(path);
      }
      return new Reply(200, Map.of(), "", 3); // 3 ms late: a second attempt in flight would overlap
    });
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      enqueue(i % 2 == 0 ? a : b, "fifo", "/fifo" + i, Map.of("Upstash-Retry-Delay", "100"));
      expected.add("/fifo" + i);
    }
    Sink.waitFor(() -> order.size() == 50, 60_000, "50 deliveries of the FIFO queue, got " + order.size());
    assertEquals(expected, order, "in the order of acceptance, across both nodes, retries included");
    assertEquals(5, failedOnce.size(), "five first attempts failed");
    assertEquals(1, sink.peakOpen(), "never two attempts of a parallelism-1 queue in flight");

    // Parallelism 3 to a slow destination: three in flight at the peak, never four, on two nodes.
    HttpResponse<String> created = send(a, "/v2/queues", Map.of("Content-Type", "application/json"),
        "{\"queueName\":\"p3\",\"parallelism\":3}");
    assertEquals(200, created.statusCode(), created.body());
    Sink slow = Sink.start(vertx);
    try {
      slow.respond(r -> new Reply(200, Map.of(), "", 300));
      for (int i = 0; i < 15; i++) {
        HttpResponse<String> r = send(i % 2 == 0 ? a : b, "/v2/enqueue/p3/" + slow.url("/p" + i), Map.of(), "x");
        assertEquals(200, r.statusCode(), r.body());
      }
      slow.await(15, 30_000);
      Sink.waitFor(() -> slow.peakOpen() >= 3, 1_000, "three in flight at the peak");
      assertEquals(3, slow.peakOpen(), "never four in flight, whichever node claimed");
    } finally {
      slow.close();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aKilledNodesPermitComesBackAndTheQueueResumesInOrder(int shards) throws Exception {
    String prefix = "kill" + UUID.randomUUID().toString().substring(0, 8);
    String a = node(prefix, shards);
    sink.respond(r -> new Reply(200, Map.of(), "", 120_000)); // the first attempt hangs
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(enqueue(a, "k", "/k" + i, Map.of("Upstash-Timeout", "2s")));
    }
    sink.await(1, 10_000);
    assertEquals("/k0", sink.received().get(0).uri(), "the node holds the permit, with /k0 in flight");
    Process child = children.get(0);
    child.destroyForcibly(); // SIGKILL while it holds the permit
    assertTrue(child.waitFor(10, TimeUnit.SECONDS));
    long killedAt = System.currentTimeMillis();

    List<String> order = Collections.synchronizedList(new ArrayList<>());
    sink.respond(r -> {
      order.add(r.uri());
      return new Reply(200, Map.of(), "", 2);
    });
    survivor = TestNode.start(vertx, env(prefix, shards));
    Sink.waitFor(() -> order.size() == 10, 30_000, "the queue resumed: " + order);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      expected.add("/k" + i);
    }
    assertEquals(expected, order, "the killed node's message first (back at the head), then the rest in order");
    assertEquals("1", sink.received().get(1).header("Upstash-Retried"), "its lost attempt counted");
    assertTrue(System.currentTimeMillis() - killedAt >= 1_000, "only once its lease expired");
    TestNode s = survivor;
    Sink.waitFor(() -> s.getJson("/v2/queues/k").getLong("lag") == 0, 5_000, "nothing left in the queue");
    for (String id : ids) {
      assertEquals(404, survivor.send("GET", "/v2/messages/" + id, Map.of(), null).statusCode(), "delivered: " + id);
    }
  }
}
