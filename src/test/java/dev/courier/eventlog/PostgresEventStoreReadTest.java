package dev.courier.eventlog;

class PostgresEventStoreReadTest extends EventStoreReadContract {
  private final TestDatabase database = new TestDatabase.Postgres();

  @Override
  TestDatabase database() {
    return database;
  }
}
