package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.await;

import dev.courier.model.Ids;
import dev.courier.support.TempDirs;
import io.vertx.core.Vertx;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The insert rate of the event log, as the outbox writer drives it: one batch at a time, each of 125 messages and
 * their 375 events (CREATED, ACTIVE, DELIVERED). Run by hand, never by Surefire:
 * {@code mvn -o -q test-compile exec:java -Dexec.mainClass=dev.courier.eventlog.EventStoreBenchmark
 * -Dexec.classpathScope=test}, or with the test classpath and {@code java}. Every 10 batches a checkpoint (a no-op
 * on PostgreSQL). Arguments: {@code h2} (the writer's setting, then a commit writing the file each time),
 * {@code h2-writer} or {@code h2-nodelay} (one of the two), {@code pg}; none: {@code h2} and {@code pg}.
 */
public final class EventStoreBenchmark {
  private static final int MESSAGES_PER_BATCH = 125;
  private static final int WARMUP_BATCHES = Integer.getInteger("bench.warmupBatches", 200);
  private static final int ROUNDS = 5;
  private static final int BATCHES = Integer.getInteger("bench.batches", 100);

  private EventStoreBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<String> which = args.length == 0 ? List.of("h2", "pg") : List.of(args);
    Vertx vertx = Vertx.vertx();
    try {
      if (which.contains("h2") || which.contains("h2-writer")) {
        Path dir = TempDirs.createForJvm("eventlog-bench");
        run(vertx, "H2 file, a checkpoint every 10 batches", new EventStoreConfig(EventStoreConfig.h2Default(dir),
            null, null, 4, EventStoreConfig.DEFAULT_RETENTION_MS));
      }
      if (which.contains("h2") || which.contains("h2-nodelay")) {
        // what every commit writing the file costs (the writer's H2 setting before checkpoints)
        Path dir0 = TempDirs.createForJvm("eventlog-bench");
        run(vertx, "H2 file, WRITE_DELAY=0", new EventStoreConfig(EventStoreConfig.h2Default(dir0)
            .replace("WRITE_DELAY=2000", "WRITE_DELAY=0"), null, null, 4, EventStoreConfig.DEFAULT_RETENTION_MS));
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

  /**
   * Batch {@code b} as the writer would hand it over: random message ids of Courier's shape (msg_<shard>_<24
   * base62>), event keys that grow per shard as Redis stream ids do, and 1 in 10 events a retry of a message of an
   * earlier batch.
   */
  static EventBatch realistic(int b) {
    long time = LogFixtures.T0 + b * 100L;
    List<LoggedMessage> messages = new ArrayList<>();
    List<LoggedEvent> events = new ArrayList<>();
    Random random = new Random(b);
    for (int i = 0; i < MESSAGES_PER_BATCH; i++) {
      int shard = i % 16;
      String id = idOf(b, i);
      messages.add(LogFixtures.message(id, time, "api.example.com", "/hooks/orders", null,
          i % 4 == 0 ? "orders" : null, List.of("orders", "eu"), "10.0.0.7", null));
      String key = "s" + shard + ":" + time + "-" + i;
      events.add(LogFixtures.event(key + ":0", id, "CREATED", time));
      events.add(LogFixtures.event(key + ":1", id, "ACTIVE", time + 1));
      boolean retryOfOlder = b > 0 && i % 10 == 0 && !Boolean.getBoolean("bench.noRetries");
      // A retry names a message of an earlier batch: its event lands among older ones.
      String target = retryOfOlder ? idOf(random.nextInt(b), i) : id;
      events.add(LogFixtures.event(key + ":2", target, retryOfOlder ? "RETRY" : "DELIVERED", time + 40));
    }
    return new EventBatch(messages, events, false);
  }

  /**
   * The same id for (b, i) every time it is asked, of Courier's shape (redis.Keys.messageId): the batch's time in
   * the first 7 characters, then random ones. {@code -Dbench.randomIds=true}: 24 random characters, the shape ids
   * had before session 12.
   */
  private static String idOf(int b, int i) {
    Random random = new Random(((long) b << 20) + i);
    StringBuilder id = new StringBuilder("msg_" + (i % 16) + "_");
    String base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    int first = 0;
    if (!Boolean.getBoolean("bench.randomIds")) {
      id.append(Ids.timeOrdered(8, LogFixtures.T0 + b * 100L), 0, 7);
      first = 7;
    }
    for (int c = first; c < 24; c++) {
      id.append(base62.charAt(random.nextInt(62)));
    }
    return id.toString();
  }

  private static void run(Vertx vertx, String name, EventStoreConfig config) {
    EventStore store = await(EventStore.open(vertx, config));
    try {
      List<EventBatch> batches = new ArrayList<>();
      for (int b = 0; b < WARMUP_BATCHES + ROUNDS * BATCHES; b++) {
        batches.add(realistic(b));
      }
      for (int b = 0; b < WARMUP_BATCHES; b++) {
        await(store.insert(batches.get(b)));
      }
      List<Double> rates = new ArrayList<>();
      List<Double> cpu = new ArrayList<>();
      var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
          .getOperatingSystemMXBean();
      for (int round = 0; round < ROUNDS; round++) {
        long start = System.nanoTime();
        long cpuStart = os.getProcessCpuTime();
        for (int b = 0; b < BATCHES; b++) {
          await(store.insert(batches.get(WARMUP_BATCHES + round * BATCHES + b)));
          if (b % 10 == 9) {
            await(store.checkpoint()); // as the writer does once a second
          }
        }
        rates.add(BATCHES * MESSAGES_PER_BATCH / ((System.nanoTime() - start) / 1e9));
        // the whole process's CPU (every thread of H2's and the pool's): steadier than the rate on a shared machine
        cpu.add((os.getProcessCpuTime() - cpuStart) / 1e3 / (BATCHES * MESSAGES_PER_BATCH));
      }
      List<Double> sorted = rates.stream().sorted().toList();
      System.out.printf("%s: %d rounds of %d batches of %d messages, one batch at a time: median %.0f messages/s "
          + "(rounds: %s)%n", name, ROUNDS, BATCHES, MESSAGES_PER_BATCH, sorted.get(ROUNDS / 2),
          rates.stream().map(r -> String.format("%.0f", r)).toList());
      System.out.printf("%s: CPU per message, median %.1f µs (rounds: %s)%n", name,
          cpu.stream().sorted().toList().get(ROUNDS / 2), cpu.stream().map(c -> String.format("%.1f", c)).toList());
      long q0 = System.nanoTime();
      EventPage page = await(store.query(EventFilter.NONE, 100, null, true));
      System.out.printf("%s: first page of %d entries in %.1f ms%n", name, page.entries().size(),
          (System.nanoTime() - q0) / 1e6);
    } finally {
      await(store.close());
    }
  }
}
