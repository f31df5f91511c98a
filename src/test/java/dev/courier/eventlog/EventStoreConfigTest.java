package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class EventStoreConfigTest {
  private static final long DAY = 24 * 3600 * 1000L;

  private static EventStoreConfig config(String url) {
    return new EventStoreConfig(url, "u", "secret", 2, DAY);
  }

  @Test
  void theDefaultIsAnH2FileInTheDataFolderThatCommitsToTheFile() {
    String url = EventStoreConfig.h2Default(Path.of("/var/lib/courier/./data"));
    assertEquals("jdbc:h2:file:/var/lib/courier/data/eventlog;WRITE_DELAY=2000;DB_CLOSE_ON_EXIT=FALSE", url);
    assertEquals(Dialect.H2, config(url).dialect());
    assertEquals(url + ";ANALYZE_AUTO=0", config(url).effectiveUrl());
    assertEquals("jdbc:h2:mem:x;analyze_auto=5", config("jdbc:h2:mem:x;analyze_auto=5").effectiveUrl());
    assertEquals("jdbc:h2:mem:x;MODE=LEGACY;ANALYZE_AUTO=0", config("jdbc:h2:mem:x;MODE=LEGACY;").effectiveUrl());
  }

  /** The default database runs without H2's automatic statistics (EventStoreConfig#effectiveUrl says why). */
  @Test
  void theDefaultH2DatabaseDoesNotAnalyzeOnItsOwn(@TempDir Path dir) throws Exception {
    EventStoreConfig config = config(EventStoreConfig.h2Default(dir));
    try (java.sql.Connection c = TestDatabase.jdbc(config); java.sql.ResultSet r = c.createStatement().executeQuery(
        "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'ANALYZE_AUTO'")) {
      assertTrue(r.next());
      assertEquals("0", r.getString(1));
    }
  }

  @Test
  void postgresBatchesAreRewrittenUnlessTheUrlSaysOtherwise() {
    assertEquals("jdbc:postgresql://db:5432/courier?reWriteBatchedInserts=true",
        config("jdbc:postgresql://db:5432/courier").effectiveUrl());
    assertEquals("jdbc:postgresql://db/courier?ssl=true&reWriteBatchedInserts=true",
        config("jdbc:postgresql://db/courier?ssl=true").effectiveUrl());
    assertEquals("jdbc:postgresql://db/courier?rewritebatchedinserts=false",
        config("jdbc:postgresql://db/courier?rewritebatchedinserts=false").effectiveUrl());
  }

  @Test
  void aConfigThatCannotWorkIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new EventStoreConfig(" ", null, null, 2, DAY));
    assertThrows(IllegalArgumentException.class, () -> new EventStoreConfig("jdbc:h2:mem:x", null, null, 0, DAY));
    assertThrows(IllegalArgumentException.class, () -> new EventStoreConfig("jdbc:h2:mem:x", null, null, 2, 0));
    assertFalse(config("jdbc:postgresql://db/c").toString().contains("secret"));
  }

  @Test
  void anotherDatabaseIsRefusedAtOpenWithoutItsPassword(Vertx vertx) {
    Throwable e = failure(EventStore.open(vertx, config("jdbc:mysql://db/courier?password=hunter2")));
    assertInstanceOf(IllegalArgumentException.class, e);
    assertTrue(e.getMessage().contains("jdbc:postgresql:"), e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
  }
}
