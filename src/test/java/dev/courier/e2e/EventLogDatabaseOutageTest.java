package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #18: the event log's database down for 10 s under load. Deliveries go on (the delivery path never waits
 * for the log), the events wait in the Redis outbox, and once the database is back (the same server restarted on
 * its data folder and port, as after a failover or a restart) every accepted message shows CREATED and DELIVERED
 * exactly once.
 */
class EventLogDatabaseOutageTest {
  private static final long OUTAGE_MS = 10_000;

  @TempDir
  Path data;
  @TempDir
  Path pgData;

  private record Published(String id, long at) {}

  @Test
  void deliveriesGoOnWhileTheDatabaseIsDownAndEveryEventArrivesOnceAfter() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    EmbeddedPostgres pg = startPostgres(port);
    Vertx vertx = Vertx.vertx();
    Sink sink = Sink.start(vertx);
    String db = TestPostgres.newDatabase(pg);
    Map<String, String> env = new HashMap<>(TestPostgres.env(db));
    env.put("COURIER_DATA_DIR", data.toString());
    // The writer's own unconfirmed batch becomes "stale" during the outage too: the take-over path runs alongside
    // the retry of the refused batch, and the two must still store each event once
    env.put("COURIER_EVENT_LOG_PENDING_IDLE", "1s");
    // Readiness leaves the database out, as for a deployment that keeps its nodes in service through its restart
    env.put("COURIER_EVENT_LOG_READY_NEEDS_DATABASE", "false");
    TestNode node = TestNode.start(vertx, env);
    List<Published> published = new CopyOnWriteArrayList<>();
    List<Throwable> publishErrors = new CopyOnWriteArrayList<>();
    AtomicBoolean publishing = new AtomicBoolean(true);
    // A steady stream of publishes, about 50 a second, from before the outage to after it
    Thread publisher = new Thread(() -> {
      int i = 0;
      while (publishing.get()) {
        try {
          String id = node.publish(sink.url("/o" + i++), Map.of(), "o".getBytes()).getString("messageId");
          published.add(new Published(id, System.currentTimeMillis()));
          Thread.sleep(20); // the pace of the load, not a wait for a condition
        } catch (Throwable t) {
          publishErrors.add(t);
          return;
        }
      }
    }, "publisher");
    publisher.start();
    try {
      // The log works before the outage: some messages logged in full
      Sink.waitFor(() -> published.size() > 20 && EventLogAudit.problems(ids(published.subList(0, 20)),
          EventLogAudit.createdAndDelivered(db)).isEmpty(), 15_000, "the first events in the database");

      pg.close(); // stops the server (pg_ctl stop -m fast): every connection of the node's pool is cut
      long down = System.currentTimeMillis();
      Set<String> deliveredDuring = ConcurrentHashMap.newKeySet();
      // The outage lasts its full length; meanwhile messages published during it must reach the sink
      Sink.waitFor(() -> {
        sink.received().stream().filter(r -> r.at() > down).forEach(r -> deliveredDuring.add(
            r.header("Upstash-Message-Id")));
        return System.currentTimeMillis() - down >= OUTAGE_MS;
      }, OUTAGE_MS + 5_000, "the outage");
      long backlog = EventLogAudit.outboxLength(vertx, node.prefix());
      // Readiness names the database's absence and stays ready: the node still stores and delivers
      var ready = node.send("GET", "/health/ready", Map.of(), null, false);
      JsonObject readiness = new JsonObject(new String(ready.body(), java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(200, ready.statusCode(), readiness.encode());
      assertEquals("unreachable", readiness.getString("eventLog"), readiness.encode());
      pg = startPostgres(port);
      long up = System.currentTimeMillis();

      List<String> publishedDuring = published.stream().filter(p -> p.at() > down && p.at() < up)
          .map(Published::id).toList();
      long deliveredOfThose = publishedDuring.stream().filter(deliveredDuring::contains).count();
      System.out.printf("outage of %d ms: %d published, %d of them delivered during it; %d outbox entries waiting%n",
          up - down, publishedDuring.size(), deliveredOfThose, backlog);
      assertTrue(publishedDuring.size() > 50, "publishes went on during the outage: " + publishedDuring.size());
      // All but the last few (published in the last instants, still on their way) arrived while it was down
      assertTrue(deliveredOfThose >= publishedDuring.size() - 20,
          "deliveries went on during the outage: " + deliveredOfThose + " of " + publishedDuring.size());
      assertTrue(backlog > 0, "the events waited in Redis");

      // Some more load on the database that came back, then the check of the whole log
      int atReturn = published.size();
      Sink.waitFor(() -> published.size() >= atReturn + 50 || !publishErrors.isEmpty(), 15_000,
          "publishes after the database returned");
      publishing.set(false);
      publisher.join(10_000);
      assertEquals(List.of(), publishErrors, "a publish failed");
      Set<String> accepted = ids(published);
      long back = System.currentTimeMillis();
      EventLogAudit.awaitComplete(accepted, db, 30_000);
      System.out.printf("%d messages logged in full %d ms after the database returned%n", accepted.size(),
          System.currentTimeMillis() - back);
      // The API reads through the same store: it answers from the database that came back too
      String during = publishedDuring.get(publishedDuring.size() / 2);
      JsonArray events = node.getJson("/v2/events?messageId=" + during + "&order=earliestFirst").getJsonArray("events");
      assertEquals(List.of("CREATED", "ACTIVE", "DELIVERED"),
          events.stream().map(e -> ((JsonObject) e).getString("state")).toList(), events.encode());
      Sink.waitFor(() -> EventLogAudit.outboxLength(vertx, node.prefix()) == 0
          && EventLogAudit.outboxPending(vertx, node.prefix()) == 0, 10_000, "the outbox to be emptied");
      assertEquals(List.of(), EventLogAudit.problems(accepted, EventLogAudit.createdAndDelivered(db)));
      assertEquals("ok", new JsonObject(new String(node.send("GET", "/health/ready", Map.of(), null, false).body(),
          java.nio.charset.StandardCharsets.UTF_8)).getString("eventLog"), "back once the database is");
    } finally {
      publishing.set(false);
      publisher.join(10_000);
      node.close();
      sink.close();
      TestNode.get(vertx.close());
      pg.close();
    }
  }

  /** A server on a data folder and port of the test's, kept when it stops, so it can be started again on them. */
  private EmbeddedPostgres startPostgres(int port) throws Exception {
    return EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false).setPort(port).start();
  }

  private static Set<String> ids(List<Published> published) {
    Set<String> out = new java.util.HashSet<>();
    published.forEach(p -> out.add(p.id()));
    return out;
  }
}
