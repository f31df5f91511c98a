package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.T0;
import static dev.courier.eventlog.LogFixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contract, and what only PostgreSQL's table of stored outbox entries provides (V6__chunks.sql): several nodes'
 * writers storing the same entries at once, or a batch not marked replay meeting stored events, store each event
 * once.
 */
class PostgresEventStoreWriteTest extends EventStoreWriteContract {
  private final TestDatabase database = new TestDatabase.Postgres();

  @Override
  TestDatabase database() {
    return database;
  }

  @Test
  void aBatchNotMarkedReplayThatMeetsStoredKeysIsStillStoredOnce() {
    EventBatch batch = LogFixtures.delivered("d", 2, T0);
    insert(batch);
    insert(batch);
    assertStored(2, 2, 6);
  }

  @Test
  void writersStoringTheSameEntriesAtOnceStoreThemOnce() {
    // Two nodes' writers that both read the same outbox entries (one claimed them from the other) and a third
    // that sees only the events: each transaction that meets the others' rows writes again and skips them.
    EventBatch batch = LogFixtures.delivered("c", 20, T0);
    EventBatch eventsOnly = new EventBatch(List.of(), batch.events(), true);
    List<io.vertx.core.Future<Void>> writes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      writes.add(store.insert(i == 3 ? eventsOnly : new EventBatch(batch.messages(), batch.events(), i % 2 == 0)));
    }
    writes.forEach(LogFixtures::await);
    assertStored(20, 20, 60);
    assertEquals(60, all(filter("label", "orders")).size());
  }

  @Test
  void theTrimDeletesTheEntriesRecordedBeforeTheCutoff() {
    insert(LogFixtures.delivered("old", 2, T0));
    insert(LogFixtures.delivered("new", 2, T0 + 10_000));
    // delivered(): each event's key is an entry of its own; its ids' keys lie far apart, a chunk each
    assertEquals(12, count("eventlog_entry"));
    assertEquals(2, await(store.trim(T0 + 5_000, 10)));
    assertEquals(6, count("eventlog_entry"));
    assertStored(2, 2, 6);
  }
}
