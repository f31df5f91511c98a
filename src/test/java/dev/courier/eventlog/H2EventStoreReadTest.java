package dev.courier.eventlog;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class H2EventStoreReadTest extends EventStoreReadContract {
  @TempDir
  Path dir;

  @Override
  TestDatabase database() {
    return new TestDatabase.H2(dir);
  }
}
