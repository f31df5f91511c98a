package dev.courier.eventlog;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

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
}
