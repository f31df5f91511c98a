package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /health/ready} and the event log's database: it reports whether the database takes a write, and by
 * default a database that does not (here a PostgreSQL database switched to read-only, as a standby is) makes the
 * node unready until it does again. With {@code event-log.ready-needs-database: false} the node stays ready
 * (EventLogDatabaseOutageTest: the database down under load).
 */
class ReadinessEventLogTest {
  @TempDir
  Path data;

  @Test
  void aDatabaseThatTakesNoWriteMakesTheNodeUnready() throws Exception {
    String db = TestPostgres.newDatabase();
    String name = db.substring(db.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
    Map<String, String> env = new HashMap<>(TestPostgres.env(db));
    env.put("COURIER_DATA_DIR", data.toString());
    Vertx vertx = Vertx.vertx();
    try (TestNode node = TestNode.start(vertx, env)) {
      assertEquals(200, ready(node).statusCode());
      assertEquals("ok", readiness(node).getString("eventLog"));

      readOnly(db, name, true);
      Sink.waitFor(() -> "read-only".equals(readiness(node).getString("eventLog")), 15_000,
          "the probe to see a read-only database");
      HttpResponse<byte[]> unready = ready(node);
      assertEquals(503, unready.statusCode(), new String(unready.body(), StandardCharsets.UTF_8));
      assertEquals("ok", body(unready).getString("redis"), "Redis itself is fine");
      assertEquals("unavailable", body(unready).getString("status"));

      readOnly(db, name, false);
      Sink.waitFor(() -> ready(node).statusCode() == 200, 15_000, "ready again once the database takes writes");
      assertEquals("ok", readiness(node).getString("eventLog"));
    } finally {
      TestNode.get(vertx.close());
    }
  }

  /** Makes new sessions on the database read-only (or not) and ends the node's, so its pool opens new ones. */
  private static void readOnly(String db, String name, boolean on) throws Exception {
    try (Connection c = TestPostgres.connect(db); Statement s = c.createStatement()) {
      s.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"); // this session, read-only by default now
      s.execute("ALTER DATABASE " + name + " SET default_transaction_read_only = " + (on ? "on" : "off"));
      s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name
          + "' AND pid <> pg_backend_pid()");
    }
  }

  private static HttpResponse<byte[]> ready(TestNode node) {
    return node.send("GET", "/health/ready", Map.of(), null, false);
  }

  private static JsonObject readiness(TestNode node) {
    return body(ready(node));
  }

  private static JsonObject body(HttpResponse<byte[]> response) {
    return new JsonObject(new String(response.body(), StandardCharsets.UTF_8));
  }
}
