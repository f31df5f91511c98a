package dev.courier.eventlog;

import dev.courier.support.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

/** A real database for a test: a new H2 file, or a new database on one PostgreSQL server shared by the run. */
interface TestDatabase {

  /** A new, empty database. */
  EventStoreConfig create();

  Dialect dialect();

  /** Plain JDBC on the database of {@code config}, for what a test writes or reads behind the store's back. */
  static Connection jdbc(EventStoreConfig config) throws SQLException {
    return DriverManager.getConnection(config.effectiveUrl(), config.user(), config.password());
  }

  /** An H2 file in a folder of the test's. */
  final class H2 implements TestDatabase {
    private final AtomicInteger next = new AtomicInteger();
    private final Path dir;

    H2(Path dir) {
      this.dir = dir;
    }

    @Override
    public EventStoreConfig create() {
      try {
        Path folder = Files.createDirectories(dir.resolve("db" + next.incrementAndGet()));
        return new EventStoreConfig(EventStoreConfig.h2Default(folder), null, null, 4,
            EventStoreConfig.DEFAULT_RETENTION_MS);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public Dialect dialect() {
      return Dialect.H2;
    }
  }

  /** A new database on the PostgreSQL server the test JVM shares ({@link TestPostgres}). */
  final class Postgres implements TestDatabase {
    @Override
    public EventStoreConfig create() {
      return new EventStoreConfig(TestPostgres.newDatabase(), TestPostgres.USER, TestPostgres.PASSWORD, 4,
          EventStoreConfig.DEFAULT_RETENTION_MS);
    }

    @Override
    public Dialect dialect() {
      return Dialect.POSTGRESQL;
    }
  }
}
