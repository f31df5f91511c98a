package dev.courier.eventlog;

import dev.courier.config.AppConfig.EventLogConfig;
import dev.courier.metrics.CourierMetrics;
import dev.courier.redis.Keys;
import dev.courier.redis.OneAtATime;
import dev.courier.redis.RedisConnector;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event-log writer of one node: moves events from the shards' outboxes ({@link Outbox}) to the database
 * ({@link EventStore}) in batches, and trims what is past {@code event-log.retention}.
 *
 * <p>Per shard, one batch at a time: read at most {@code batch-size} new entries, store them in one transaction,
 * then confirm and delete them in Redis. A batch the database refuses is kept (one per shard, so memory stays
 * bounded) and tried again with a growing pause; meanwhile new events wait in Redis, where the backlog gauges
 * and a log line show how far behind the database is. Entries another writer read and never confirmed (its node
 * died mid-batch) are taken over after {@code pending-idle} and stored as a replay: once, whatever the other
 * writer had done. Where a commit is durable only after a checkpoint (H2), the stored entries are confirmed
 * after the next one, once a second ({@link #CHECKPOINT_INTERVAL_MS}): a node killed before it leaves them
 * unconfirmed, to be stored again as a replay.
 */
public final class EventLogVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(EventLogVerticle.class);
  /** How long an idle shard waits before it looks again: the delay before an event shows in the log. */
  static final long IDLE_POLL_MS = 100;
  static final long MAX_BACKOFF_MS = 5_000;
  static final long SAMPLE_INTERVAL_MS = 5_000;
  static final long TRIM_INTERVAL_MS = 60_000;
  static final int TRIM_BATCH = 5_000;
  /** A lag above which the writer says so in the log (at most once a minute). */
  static final long LAG_WARNING_MS = 30_000;
  static final long CHECKPOINT_INTERVAL_MS = 1_000;

  private final EventLogConfig config;
  private final String redisUrl;
  private final Keys keys;
  private final EventStore store;
  private final String consumer;
  private final CourierMetrics metrics;
  /** Whether the writer keeps to its share of a core now ({@link WriterPacing}). */
  private final BooleanSupplier holdToShare;
  private RedisConnector redis;
  private Outbox outbox;
  private volatile boolean stopped;
  private final List<String> claimCursors = new ArrayList<>();
  private long lastLagWarning;
  private final OneAtATime<Integer> trims = new OneAtATime<>();
  /** Per shard, entries stored but not yet confirmed: they wait for the next checkpoint. */
  private final List<List<String>> awaitingCheckpoint = new ArrayList<>();
  private final OneAtATime<Void> checkpoints = new OneAtATime<>();

  public EventLogVerticle(EventLogConfig config, String redisUrl, Keys keys, EventStore store, String consumer,
      CourierMetrics metrics, BooleanSupplier holdToShare) {
    this.holdToShare = holdToShare;
    this.config = config;
    this.redisUrl = redisUrl;
    this.keys = keys;
    this.store = store;
    this.consumer = consumer;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    redis = new RedisConnector(vertx, redisUrl);
    outbox = new Outbox(redis, keys, consumer);
    return outbox.createGroups().onSuccess(v -> {
      for (int s = 0; s < keys.shards(); s++) {
        int shard = s;
        claimCursors.add("0-0");
        awaitingCheckpoint.add(new ArrayList<>());
        poll(shard, null, 0);
        vertx.setTimer(config.pendingIdleMs(), t -> claimStale(shard));
      }
      vertx.setPeriodic(SAMPLE_INTERVAL_MS, t -> sampleBacklog());
      vertx.setPeriodic(TRIM_INTERVAL_MS, t -> trim());
      if (!store.durableOnCommit()) {
        vertx.setPeriodic(CHECKPOINT_INTERVAL_MS, t -> checkpoint());
      }
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    // What was stored is confirmed before the node goes (else the next writer stores it again, as a replay). A
    // periodic checkpoint under way finishes first: closing Redis under its confirmations failed them, with a WARN
    // on a clean stop (FirstRunIT met it).
    // A trim under way ends after its batch (it checks stopped) and is waited for too: the node closes the database
    // once the writer is stopped.
    return checkpoints.idle().compose(v -> checkpoint()).eventually(trims::idle).eventually(redis::close);
  }

  /** The writer's context, where EventLogStopTest runs what must not race with it. */
  io.vertx.core.Context context() {
    return context;
  }

  /** Makes the stored rows durable, then confirms their entries. */
  Future<Void> checkpoint() { // package-private: EventLogStopTest starts one on context() where it needs it
    if (checkpoints.busy() || awaitingCheckpoint.stream().allMatch(List::isEmpty)) {
      return Future.succeededFuture();
    }
    return checkpoints.run(this::checkpointWaiting);
  }

  private Future<Void> checkpointWaiting() {
    List<List<String>> taken = new ArrayList<>();
    for (int s = 0; s < awaitingCheckpoint.size(); s++) {
      taken.add(awaitingCheckpoint.get(s));
      awaitingCheckpoint.set(s, new ArrayList<>());
    }
    return store.checkpoint().compose(v -> {
      List<Future<Void>> acks = new ArrayList<>();
      for (int s = 0; s < taken.size(); s++) {
        acks.add(outbox.ack(s, taken.get(s)));
      }
      return Future.all(acks).<Void>mapEmpty();
    }).andThen(ar -> {
      if (ar.failed()) {
        // confirmed at the next one (a confirmation twice is harmless), or stored again by a take-over
        for (int s = 0; s < taken.size(); s++) {
          awaitingCheckpoint.get(s).addAll(taken.get(s));
        }
        LOG.warn("event log: checkpoint failed: {}", ar.cause().getMessage());
      }
    });
  }

  /** @param failed the batch the database refused last time (null: read new entries) */
  private void poll(int shard, List<Outbox.Entry> failed, int failures) {
    if (stopped) {
      return;
    }
    Future<List<Outbox.Entry>> entries = failed != null ? Future.succeededFuture(failed)
        : outbox.readNew(shard, config.batchSize());
    long started = System.nanoTime();
    entries.compose(batch -> write(shard, batch, failed != null).map(batch)).onComplete(ar -> {
      if (stopped) {
        return;
      }
      if (ar.succeeded()) {
        if (failures > 0) {
          LOG.info("event log: the database takes events again");
        }
        List<Outbox.Entry> written = ar.result();
        long lagMs = written.isEmpty() ? 0 : System.currentTimeMillis() - written.get(0).idTime();
        // A share of 100 holds nothing back: the gauge says 0 rather than "busy".
        boolean paced = config.writerSharePercent() < 100 && holdToShare.getAsBoolean();
        metrics.eventLogWriterPaced(paced);
        long pause = !paced ? 0
            : sharePause(System.nanoTime() - started, written.size(), config.writerSharePercent(), lagMs,
                config.maxLagMs());
        if (pause > 0) {
          vertx.setTimer(pause, t -> poll(shard, null, 0));
        } else if (written.size() >= config.batchSize()) {
          vertx.runOnContext(v -> poll(shard, null, 0)); // more is waiting
        } else {
          vertx.setTimer(IDLE_POLL_MS, t -> poll(shard, null, 0));
        }
        return;
      }
      metrics.eventWriteFailed();
      if (failures == 0) {
        LOG.warn("event log: cannot store events ({}); they wait in Redis and are stored when it works again",
            ar.cause().getMessage());
      }
      // a batch read but not stored is tried again; a failed read (Redis down) just reads again
      List<Outbox.Entry> keep = failed != null ? failed : entries.succeeded() ? entries.result() : null;
      long pause = Math.min(MAX_BACKOFF_MS, 250L << Math.min(failures, 5));
      vertx.setTimer(pause, t -> poll(shard, keep, failures + 1));
    });
  }

  /**
   * The pause after a batch that keeps the writer to {@code share} percent of a core while the node delivers: a
   * batch that took t leaves t × (100 / share − 1) to the deliveries (a quarter of a core: 3 t). Past half of
   * {@code maxLagMs} behind (the age of the batch's first entry, the oldest the writer had not read) the pause
   * shrinks, and past all of it there is none: the lag stays bounded, and the deliveries give up what storing
   * takes only while it is at that bound. The caller pauses only while the node delivers: an idle node's writer
   * catches up at full speed.
   */
  static long sharePause(long tookNanos, int entries, int share, long lagMs, long maxLagMs) {
    if (entries == 0 || share >= 100 || maxLagMs > 0 && lagMs >= maxLagMs) {
      return 0;
    }
    long pause = Math.min(MAX_BACKOFF_MS, tookNanos * (100 - share) / share / 1_000_000);
    long half = maxLagMs / 2;
    if (maxLagMs > 0 && lagMs > half) {
      pause = pause * (maxLagMs - lagMs) / (maxLagMs - half);
    }
    return pause;
  }

  /** Stores the entries' events, then confirms and deletes the entries. */
  private Future<Void> write(int shard, List<Outbox.Entry> entries, boolean replay) {
    if (entries.isEmpty()) {
      return Future.succeededFuture();
    }
    EventBatch batch = OutboxDecoder.decode(shard, entries, replay);
    List<String> ids = new ArrayList<>(entries.size());
    entries.forEach(e -> ids.add(e.id()));
    Future<Void> stored = store.insert(batch);
    if (store.durableOnCommit()) {
      stored = stored.compose(v -> outbox.ack(shard, ids));
    } else {
      stored = stored.onSuccess(v -> awaitingCheckpoint.get(shard).addAll(ids));
    }
    return stored.onSuccess(v -> metrics.eventsWritten(batch.events().size()));
  }

  /** Takes over what other writers left unconfirmed, a batch at a time, going through the shard's whole list. */
  private void claimStale(int shard) {
    if (stopped) {
      return;
    }
    outbox.claimStale(shard, config.pendingIdleMs(), config.batchSize(), claimCursors.get(shard))
        .compose(claimed -> {
          claimCursors.set(shard, claimed.next());
          if (!claimed.entries().isEmpty()) {
            LOG.info("event log: took over {} outbox entries another writer left unconfirmed", claimed.entries().size());
          }
          return write(shard, claimed.entries(), true).map(claimed);
        })
        .onComplete(ar -> {
          boolean more = ar.succeeded() && !ar.result().next().equals("0-0");
          if (ar.failed()) {
            metrics.eventWriteFailed();
          }
          if (more) {
            vertx.runOnContext(v -> claimStale(shard));
          } else {
            vertx.setTimer(Math.max(1_000, config.pendingIdleMs() / 3), t -> claimStale(shard));
          }
        });
  }

  private void sampleBacklog() {
    List<Future<long[]>> shards = new ArrayList<>();
    for (int s = 0; s < keys.shards(); s++) {
      shards.add(outbox.backlog(s));
    }
    Future.all(shards).onSuccess(all -> {
      long entries = 0;
      long oldest = Long.MAX_VALUE;
      for (Future<long[]> f : shards) {
        entries += f.result()[0];
        if (f.result()[1] > 0) {
          oldest = Math.min(oldest, f.result()[1]);
        }
      }
      long now = System.currentTimeMillis();
      long lagMs = oldest == Long.MAX_VALUE ? 0 : Math.max(0, now - oldest);
      metrics.eventLogBacklog(entries, lagMs / 1000.0);
      if (lagMs > LAG_WARNING_MS && now - lastLagWarning > 60_000) {
        lastLagWarning = now;
        LOG.warn("event log: the database is {} s behind ({} outbox entries waiting in Redis)", lagMs / 1000, entries);
      }
    });
  }

  /** Deletes events past the retention, a bounded batch at a time, until none is left or the next tick. */
  private void trim() {
    if (stopped) {
      return;
    }
    long cutoff = System.currentTimeMillis() - config.retentionMs();
    trims.run(() -> trimFrom(cutoff, 0).andThen(ar -> {
      if (ar.failed()) {
        LOG.warn("event log: trim failed: {}", ar.cause().getMessage());
      } else if (ar.result() > 0) {
        LOG.info("event log: {} rows past event-log.retention deleted", ar.result());
      }
    }));
  }

  private Future<Integer> trimFrom(long cutoff, int sofar) {
    return store.trim(cutoff, TRIM_BATCH).compose(n -> n >= TRIM_BATCH && !stopped && sofar < 100 * TRIM_BATCH
        ? trimFrom(cutoff, sofar + n) : Future.succeededFuture(sofar + n));
  }
}
