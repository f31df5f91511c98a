package dev.courier.eventlog;

class PostgresEventStoreWriteTest extends EventStoreWriteContract {
  private final TestDatabase database = new TestDatabase.Postgres();

  @Override
  TestDatabase database() {
    return database;
  }
}
