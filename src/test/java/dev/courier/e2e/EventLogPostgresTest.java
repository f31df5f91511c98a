package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.courier.support.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/**
 * Every case of {@link EventLogTest} against a real PostgreSQL reached through {@code COURIER_DB_URL}, as a
 * deployment of several nodes runs it: the same writer and API on the other dialect (its SQL, its types, its
 * batched inserts). Each case gets a new database, so the counts over the whole log are its own.
 */
class EventLogPostgresTest extends EventLogTest {
  private Path dataDir;

  @Override
  protected Map<String, String> eventLogEnv(Path dataDir) {
    this.dataDir = dataDir;
    Map<String, String> env = new HashMap<>(TestPostgres.env(TestPostgres.newDatabase()));
    // still a folder of its own: the node must not touch the H2 default of another test
    env.put("COURIER_DATA_DIR", dataDir.toString());
    return env;
  }

  /** The cases pass on H2 too: this proves they ran on PostgreSQL, not on the default that needs no URL. */
  @AfterEach
  void noH2FileWasCreated() {
    assertFalse(Files.exists(dataDir.resolve("eventlog.mv.db")), "the node fell back to H2");
  }
}
