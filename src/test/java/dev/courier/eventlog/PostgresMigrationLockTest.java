package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Nodes starting together on one empty PostgreSQL: each migrates, one at a time under the advisory lock, so each
 * version is applied once and no node fails (without the lock, concurrent CREATE TABLE IF NOT EXISTS collide in
 * PostgreSQL's catalog and the version rows twice).
 */
@ExtendWith(VertxExtension.class)
class PostgresMigrationLockTest {

  @Test
  void nodesStartingTogetherMigrateOnce(Vertx vertx) throws Exception {
    EventStoreConfig config = new TestDatabase.Postgres().create();
    // One Vert.x per node, as in production, so that the migrations really run side by side.
    List<Vertx> nodes = new ArrayList<>();
    List<Future<EventStore>> opening = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Vertx node = Vertx.vertx();
      nodes.add(node);
      opening.add(EventStore.open(node, config));
    }
    try {
      for (Future<EventStore> f : opening) {
        EventStore store = await(f);
        assertEquals(EventSchema.LATEST, await(store.schemaVersion()));
        await(store.close());
      }
    } finally {
      nodes.forEach(n -> await(n.close()));
    }
    try (Connection c = TestDatabase.jdbc(config); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT version) FROM eventlog_schema_version")) {
      r.next();
      assertEquals(List.of(EventSchema.LATEST, EventSchema.LATEST), List.of(r.getInt(1), r.getInt(2)));
    }
  }
}
