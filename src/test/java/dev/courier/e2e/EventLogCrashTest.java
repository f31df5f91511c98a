package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.ChildNode;
import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.support.TestPostgres;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #18: a node killed with SIGKILL while its event-log writer is behind loses no event and stores none twice.
 * A node in a JVM of its own accepts a few thousand messages while its writer lags (small read batches), and is
 * killed with events still in the outbox, some of them read and never confirmed (it is frozen first, until
 * caught holding such a batch, so the test proves both paths); a new node on the same Redis
 * prefix and the same PostgreSQL takes the unconfirmed ones over (pending-idle 1 s), reads the rest, and the
 * database ends with one CREATED and one DELIVERED per accepted message.
 */
class EventLogCrashTest {
  private static final int BATCHES = 30;
  private static final int PER_BATCH = 100;

  @TempDir
  Path data;

  @Test
  void eventsPendingAtAKill9AreStoredOnceByTheNextNode() throws Exception {
    Vertx vertx = Vertx.vertx();
    Sink sink = Sink.start(vertx);
    String prefix = "elcrash" + UUID.randomUUID().toString().substring(0, 8);
    String db = TestPostgres.newDatabase();
    Map<String, String> env = new HashMap<>(TestNode.env(TestRedis.url(), prefix));
    env.putAll(TestPostgres.env(db));
    env.put("COURIER_EVENT_LOG_PENDING_IDLE", "1s");
    env.put("COURIER_DELIVERY_LEASE_GRACE", "1s"); // the messages it held in flight come back soon
    Map<String, String> childEnv = new HashMap<>(env);
    childEnv.put("COURIER_DATA_DIR", data.resolve("child").toString());
    // Five entries a read: the writer stays far behind the publishes, so the kill finds a backlog
    childEnv.put("COURIER_EVENT_LOG_BATCH_SIZE", "5");
    Process child = ChildNode.start(childEnv);
    TestNode survivor = null;
    try {
      String base = ChildNode.awaitListening(child);
      Set<String> accepted = publish(base, sink);
      assertEquals(BATCHES * PER_BATCH, accepted.size());

      // Freeze the child (SIGSTOP) until it is caught holding a batch it read and has not confirmed, so the kill
      // leaves entries for the take-over as well as unread ones; what Redis shows while it is frozen is what the
      // kill leaves
      long[] atKill = new long[2];
      Sink.waitFor(() -> {
        signal(child, "STOP");
        atKill[0] = EventLogAudit.outboxLength(vertx, prefix);
        atKill[1] = EventLogAudit.outboxPending(vertx, prefix);
        if (atKill[1] > 0 || atKill[0] == 0) {
          return true; // caught mid-batch, or the writer is done (then the assertion below fails)
        }
        signal(child, "CONT");
        return false;
      }, 10_000, "the writer holding a batch");
      child.destroyForcibly(); // SIGKILL: the writer's batch in flight is neither stored nor confirmed
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
      long leftInOutbox = atKill[0];
      long unconfirmed = atKill[1];
      int storedBefore = EventLogAudit.createdAndDelivered(db).size();
      System.out.printf("at the kill: %d outbox entries left, %d of them read and unconfirmed; %d of %d messages"
          + " with events stored; %d deliveries%n", leftInOutbox, unconfirmed, storedBefore, accepted.size(),
          sink.received().size());
      assertTrue(leftInOutbox > 0, "the writer had caught up before the kill: the test would prove nothing");
      assertTrue(unconfirmed > 0, "no entry was left read and unconfirmed: the take-over would not be tested");
      assertEquals(leftInOutbox, EventLogAudit.outboxLength(vertx, prefix), "nothing wrote the outbox after the kill");

      Map<String, String> survivorEnv = new HashMap<>(env);
      survivorEnv.put("COURIER_DATA_DIR", data.resolve("survivor").toString());
      survivor = TestNode.start(vertx, survivorEnv);
      long restarted = System.currentTimeMillis();
      EventLogAudit.awaitComplete(accepted, db, 40_000);
      System.out.printf("the new node completed the log in %d ms%n", System.currentTimeMillis() - restarted);
      Sink.waitFor(() -> EventLogAudit.outboxLength(vertx, prefix) == 0
          && EventLogAudit.outboxPending(vertx, prefix) == 0, 10_000, "the outbox to be emptied");
      // a replay may still have landed after the first complete check: nothing is stored twice at the end either
      assertEquals(List.of(), EventLogAudit.problems(accepted, EventLogAudit.createdAndDelivered(db)));
      assertTrue(sink.received().stream().map(r -> r.header("Upstash-Message-Id")).collect(Collectors.toSet())
          .containsAll(accepted),
          "every message was delivered");
    } finally {
      child.destroyForcibly();
      if (survivor != null) {
        survivor.close();
      }
      sink.close();
      TestNode.get(vertx.close());
    }
  }

  /** Sends a signal (STOP, CONT) to the child JVM. */
  private static void signal(Process child, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid())).start();
      assertEquals(0, kill.waitFor(), "kill -" + signal);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Publishes BATCHES x PER_BATCH messages through /v2/batch, two requests at a time: their ids. */
  private static Set<String> publish(String base, Sink sink) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    Set<String> accepted = ConcurrentHashMap.newKeySet();
    List<CompletableFuture<Void>> inFlight = new ArrayList<>();
    for (int b = 0; b < BATCHES; b++) {
      JsonArray items = new JsonArray();
      for (int i = 0; i < PER_BATCH; i++) {
        items.add(new JsonObject().put("destination", sink.url("/c" + b + "-" + i)).put("body", "m")
            .put("headers", new JsonObject().put("Upstash-Timeout", "3s")));
      }
      HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v2/batch"))
          .header("Authorization", "Bearer " + TestNode.TOKEN).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(items.encode())).build();
      inFlight.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenAccept(r -> {
        if (r.statusCode() != 200) {
          throw new AssertionError("batch answered " + r.statusCode() + ": " + r.body());
        }
        for (Object o : new JsonArray(r.body())) {
          accepted.add(((JsonObject) o).getString("messageId"));
        }
      }));
      if (inFlight.size() >= 2) {
        inFlight.remove(0).get(30, TimeUnit.SECONDS);
      }
    }
    for (var f : inFlight) {
      f.get(30, TimeUnit.SECONDS);
    }
    return accepted;
  }
}
