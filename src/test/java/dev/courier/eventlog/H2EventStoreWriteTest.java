package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on H2, whose one node writes one batch at a time and has no unique index: only a replay can meet
 * stored events there (EventStore#insert), and a replay handed over while earlier batches are still being written
 * is written after them, and sees them.
 */
class H2EventStoreWriteTest extends EventStoreWriteContract {
  @TempDir
  Path dir;
  private TestDatabase database;

  @Override
  TestDatabase database() {
    if (database == null) {
      database = new TestDatabase.H2(dir);
    }
    return database;
  }

  @Test
  void replaysHandedOverWhileTheBatchIsBeingWrittenStoreItOnce() {
    // The writer's batch, then what a take-over and a retry read again of the same entries (one with the events
    // only), all handed to the store before the first is written.
    EventBatch batch = LogFixtures.delivered("h", 400, T0);
    List<Future<Void>> writes = new ArrayList<>();
    writes.add(store.insert(batch));
    writes.add(store.insert(new EventBatch(batch.messages(), batch.events(), true)));
    writes.add(store.insert(new EventBatch(List.of(), batch.events(), true)));
    writes.add(store.insert(new EventBatch(batch.messages(), batch.events().subList(0, 600), true)));
    writes.forEach(LogFixtures::await);
    assertStored(400, 400, 1200);
    assertEquals(1200, all(filter("label", "orders")).size());
  }
}
