package dev.courier.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The end of every chaos run: once Redis holds no pending or leased message of the run's prefix, every accepted
 * message id must be in exactly one terminal state (delivered, as the sink saw it, or in the DLQ, as a live
 * node lists it), in the one its route calls for, and the sink must have seen nothing that was refused.
 */
final class Audit {
  /**
   * @param missing accepted ids neither delivered nor dead-lettered (lost)
   * @param twice ids both delivered and dead-lettered
   * @param wrongState ids in the other terminal state than their route calls for
   * @param strays ids the sink or the DLQ shows that no publish had asked for (a refused publish was stored)
   * @param unacknowledged messages stored by a publish that got no answer (allowed: the client could not know)
   * @param repeats ids that reached the sink more than once, with their arrival count
   */
  record Report(int accepted, int delivered, int deadLettered, Set<String> missing, Set<String> twice,
      Set<String> wrongState, Set<String> strays, int unacknowledged, Map<String, Integer> repeats) {
    int extraArrivals() {
      return repeats.values().stream().mapToInt(n -> n - 1).sum();
    }

    /** Fails the test on anything lost, doubled or stored against a refusal. */
    void assertClean() {
      assertEquals(Set.of(), cut(missing), "accepted and lost (" + missing.size() + ")");
      assertEquals(Set.of(), cut(twice), "delivered and dead-lettered (" + twice.size() + ")");
      assertEquals(Set.of(), cut(wrongState), "in the wrong terminal state (" + wrongState.size() + ")");
      assertEquals(Set.of(), cut(strays), "stored though refused (" + strays.size() + ")");
    }

    private static Set<String> cut(Set<String> s) {
      return s.stream().limit(10).collect(Collectors.toCollection(TreeSet::new));
    }

    String line() {
      return String.format("accepted %d, delivered %d, dead-lettered %d, lost %d, delivered and dead-lettered %d,"
          + " wrong state %d, stored though refused %d, stored with an unknown outcome %d, repeated ids %d (%d extra"
          + " arrivals)", accepted, delivered, deadLettered, missing.size(), twice.size(), wrongState.size(),
          strays.size(), unacknowledged, repeats.size(), extraArrivals());
    }
  }

  private Audit() {}

  /** Messages of {@code prefix} still pending or leased in Redis, over its {@code shards}. */
  static long pending(Vertx vertx, String redisUrl, String prefix, int shards) {
    Redis redis = Redis.createClient(vertx, redisUrl);
    try {
      long n = 0;
      for (int s = 0; s < shards; s++) {
        n += TestNode.get(redis.send(Request.cmd(Command.HLEN).arg(prefix + ":{s" + s + "}:msgs"))).toLong();
        n += TestNode.get(redis.send(Request.cmd(Command.ZCARD).arg(prefix + ":{s" + s + "}:lease"))).toLong();
      }
      return n;
    } finally {
      redis.close();
    }
  }

  /** Waits until Redis holds nothing pending for the run, then audits it. */
  static Report settle(Vertx vertx, String redisUrl, String prefix, int shards, String liveNode, Load load,
      AuditSink sink, Set<String> deadLetterRoutes, long timeoutMs) {
    long start = System.currentTimeMillis();
    long[] left = {-1};
    Sink.waitFor(() -> (left[0] = pending(vertx, redisUrl, prefix, shards)) == 0, timeoutMs,
        "the run to settle: " + sinkState(sink, load) + ", messages still pending or leased: " + left[0]);
    System.out.printf("chaos: settled %d ms after the audit began%n", System.currentTimeMillis() - start);
    return audit(load, sink, deadLetters(liveNode), deadLetterRoutes);
  }

  private static String sinkState(AuditSink sink, Load load) {
    return "accepted " + load.accepted().size() + ", delivered " + sink.delivered().size();
  }

  static Report audit(Load load, AuditSink sink, Set<String> dlq, Set<String> deadLetterRoutes) {
    Map<String, String> accepted = load.accepted();
    Set<String> delivered = sink.delivered();
    Set<String> acceptedIds = new HashSet<>(accepted.values());
    Map<String, String> keyOfId = new java.util.HashMap<>();
    accepted.forEach((key, id) -> keyOfId.put(id, key));
    sink.arrivals().forEach((id, a) -> keyOfId.putIfAbsent(id, a.uri));

    Set<String> missing = new TreeSet<>();
    Set<String> wrongState = new TreeSet<>();
    for (String id : acceptedIds) {
      boolean d = delivered.contains(id);
      boolean l = dlq.contains(id);
      if (!d && !l) {
        missing.add(id + " " + keyOfId.get(id));
      } else if (l != deadLetterRoutes.contains(route(keyOfId.get(id)))) {
        wrongState.add(id + " " + keyOfId.get(id) + (l ? " dead-lettered" : " delivered"));
      }
    }
    Set<String> twice = delivered.stream().filter(dlq::contains).collect(Collectors.toCollection(TreeSet::new));
    Set<String> strays = new TreeSet<>();
    int unacknowledged = 0;
    Set<String> seen = new HashSet<>(sink.arrivals().keySet());
    seen.addAll(dlq);
    for (String id : seen) {
      if (acceptedIds.contains(id)) {
        continue;
      }
      String key = keyOfId.get(id);
      if (key != null && load.unknown().contains(key)) {
        unacknowledged++;
      } else {
        strays.add(id + " " + key);
      }
    }
    return new Report(acceptedIds.size(), (int) delivered.stream().filter(acceptedIds::contains).count(),
        (int) dlq.stream().filter(acceptedIds::contains).count(), missing, twice, wrongState, strays,
        unacknowledged, sink.repeats());
  }

  private static String route(String key) {
    if (key == null) {
      return "";
    }
    int end = key.indexOf('/', 1);
    return end < 0 ? key.substring(1) : key.substring(1, end);
  }

  /** The message ids in the DLQ, as a node lists them (page by page). */
  static Set<String> deadLetters(String base) {
    HttpClient http = HttpClient.newHttpClient();
    Set<String> ids = new HashSet<>();
    String cursor = null;
    try {
      do {
        String q = "/v2/dlq?count=100" + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor,
            StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + q))
            .header("Authorization", "Bearer " + TestNode.TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonObject page = new JsonObject(r.body());
        page.getJsonArray("messages").forEach(m -> ids.add(((JsonObject) m).getString("messageId")));
        cursor = page.getString("cursor");
      } while (cursor != null);
    } catch (Exception e) {
      throw new AssertionError("listing the DLQ: " + e, e);
    }
    return ids;
  }

  /** The figures a run reports on stdout, one line, for docs/reliability.md. */
  static void print(String test, Report report, Load load, List<String> more) {
    System.out.println("chaos " + test + ": " + report.line() + "; publishes by status " + load.byStatus()
        + ", with no answer " + load.errors() + (more.isEmpty() ? "" : "; " + String.join(", ", more)));
  }
}
