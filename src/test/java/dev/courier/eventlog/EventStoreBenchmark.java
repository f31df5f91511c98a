package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.await;

import io.vertx.core.Vertx;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The insert rate of the event log, as the outbox writer drives it: one batch at a time, each of 125 messages and
 * their 375 events (CREATED, ACTIVE, DELIVERED), 500 rows. Run by hand, never by Surefire:
 * {@code mvn -o -q test-compile exec:java -Dexec.mainClass=dev.courier.eventlog.EventStoreBenchmark
 * -Dexec.classpathScope=test}, or with the test classpath and {@code java}. Arguments: {@code h2}, {@code pg} or
 * both (the default).
 */
public final class EventStoreBenchmark {
  private static final int MESSAGES_PER_BATCH = 125;
  private static final int WARMUP_BATCHES = 60;
  private static final int BATCHES = 200;

  private EventStoreBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<String> which = args.length == 0 ? List.of("h2", "pg") : List.of(args);
    Vertx vertx = Vertx.vertx();
    try {
      if (which.contains("h2")) {
        Path dir = Files.createTempDirectory("eventlog-bench");
        run(vertx, "H2 file", new EventStoreConfig(EventStoreConfig.h2Default(dir), null, null, 4,
            EventStoreConfig.DEFAULT_RETENTION_MS));
      }
      if (which.contains("pg")) {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
          run(vertx, "PostgreSQL 14 (embedded)", new EventStoreConfig(pg.getJdbcUrl("postgres", "postgres"),
              "postgres", "postgres", 4, EventStoreConfig.DEFAULT_RETENTION_MS));
        }
      }
    } finally {
      await(vertx.close());
    }
  }

  private static void run(Vertx vertx, String name, EventStoreConfig config) {
    EventStore store = await(EventStore.open(vertx, config));
    try {
      int rowsPerBatch = MESSAGES_PER_BATCH * 4;
      List<EventBatch> batches = new ArrayList<>();
      for (int b = 0; b < WARMUP_BATCHES + BATCHES; b++) {
        batches.add(LogFixtures.delivered("b" + b, MESSAGES_PER_BATCH, LogFixtures.T0 + b * 100L));
      }
      for (int b = 0; b < WARMUP_BATCHES; b++) {
        await(store.insert(batches.get(b)));
      }
      long start = System.nanoTime();
      for (int b = WARMUP_BATCHES; b < batches.size(); b++) {
        await(store.insert(batches.get(b)));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("%s: %d batches of %d rows in %.2f s: %.0f rows/s (%.1f ms a batch)%n", name, BATCHES,
          rowsPerBatch, seconds, BATCHES * rowsPerBatch / seconds, seconds * 1000 / BATCHES);
      long q0 = System.nanoTime();
      EventPage page = await(store.query(EventFilter.NONE, 100, null, true));
      System.out.printf("%s: first page of 100 in %.1f ms (%d entries)%n", name, (System.nanoTime() - q0) / 1e6,
          page.entries().size());
    } finally {
      await(store.close());
    }
  }
}
