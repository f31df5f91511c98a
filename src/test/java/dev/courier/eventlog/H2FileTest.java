package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.await;
import static dev.courier.eventlog.LogFixtures.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The H2 file belongs to one process, and what a checkpoint wrote survives that process's kill -9. */
@ExtendWith(VertxExtension.class)
class H2FileTest {
  @TempDir
  Path dir;
  private Process child;

  @AfterEach
  void stopChild() throws Exception {
    if (child != null && child.isAlive()) {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private EventStoreConfig config() {
    return new EventStoreConfig(EventStoreConfig.h2Default(dir), null, null, 2, EventStoreConfig.DEFAULT_RETENTION_MS);
  }

  @Test
  void aSecondProcessOnTheFileIsRefusedWithAMessageThatSaysWhy(Vertx vertx) throws Exception {
    child = H2Child.start("hold", config().jdbcUrl());
    H2Child.awaitLine(child, "OPEN");

    Throwable e = failure(EventStore.open(vertx, config()));
    assertInstanceOf(IllegalStateException.class, e);
    String message = e.getMessage();
    assertTrue(message.contains(dir.resolve("eventlog").toString()), message);
    assertTrue(message.contains("in use by another process"), message);
    assertTrue(message.contains("belongs to one node"), message);
    assertTrue(message.contains("PostgreSQL"), message);

    // The lock goes with the process: once it has closed the store and ended, this one opens the file.
    child.getOutputStream().close();
    assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    EventStore store = await(EventStore.open(vertx, config()));
    await(store.close());
  }

  private static int count(EventStore store) {
    int stored = 0;
    String cursor = null;
    do {
      EventPage page = await(store.query(EventFilter.NONE, 1000, cursor, true));
      stored += page.entries().size();
      cursor = page.cursor();
    } while (cursor != null);
    return stored;
  }

  @Test
  void whatACheckpointWroteSurvivesAKill9(Vertx vertx) throws Exception {
    child = H2Child.start("insert", config().jdbcUrl());
    int acknowledged = Integer.parseInt(H2Child.awaitLine(child, "INSERTED ").substring("INSERTED ".length()));
    // SIGKILL at once: H2's default (a commit reaches the file up to 500 ms later) lost all of it here.
    child.destroyForcibly();
    assertTrue(child.waitFor(30, TimeUnit.SECONDS));

    EventStore store = await(EventStore.open(vertx, config()));
    try {
      assertEquals(acknowledged, count(store));
      // The identities carry on after the values the dead process had taken (not re-used: they are keys).
      await(store.insert(LogFixtures.delivered("after", 25, LogFixtures.T0 + 100)));
      assertEquals(acknowledged + 75, count(store));
    } finally {
      await(store.close());
    }
  }
}
