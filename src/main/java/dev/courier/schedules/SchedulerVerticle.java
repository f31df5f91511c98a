package dev.courier.schedules;

import dev.courier.redis.Keys;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.OneAtATime;
import dev.courier.redis.ScriptRunner;
import dev.courier.metrics.CourierMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires due schedules; one instance on every node, with no leader. Each tick reads the schedules due by
 * {@code clock}, and for each computes its next fire (after the fire time and after now, so that ticks
 * missed while every node was down collapse into this one fire), claims the fire with one script that
 * moves the schedule there (several nodes read it; one wins), and publishes what it won.
 *
 * <p>A fire is published after its claim: a node that dies between the two loses that fire (at most once
 * per tick; docs/api-decisions.md).
 */
public final class SchedulerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SchedulerVerticle.class);
  /** Schedules read per round; a fuller round is followed by another at once. */
  static final int BATCH = 100;

  private final String redisUrl;
  private final Keys keys;
  private final Clock clock;
  private final long intervalMs;
  private final SchedulePublisher.Factory publishers;
  private RedisConnector redis;
  private ScheduleService schedules;
  private SchedulePublisher publisher;
  private final OneAtATime<Void> rounds = new OneAtATime<>();
  private boolean stopping;
  private long timer = -1;

  private final CourierMetrics metrics;

  public SchedulerVerticle(String redisUrl, Keys keys, Clock clock, long intervalMs,
      SchedulePublisher.Factory publishers, CourierMetrics metrics) {
    this.metrics = metrics;
    this.redisUrl = redisUrl;
    this.keys = keys;
    this.clock = clock;
    this.intervalMs = intervalMs;
    this.publishers = publishers;
  }

  @Override
  public Future<?> start() {
    redis = new RedisConnector(vertx, redisUrl);
    ScriptRunner scripts = new ScriptRunner(redis);
    schedules = new ScheduleService(scripts, keys, Integer.MAX_VALUE);
    publisher = publishers.create(context, scripts);
    timer = vertx.setPeriodic(intervalMs, id -> tick());
    return Future.succeededFuture();
  }

  private void tick() {
    // A round still publishing is not overtaken: it sees what is due now.
    rounds.run(() -> round().andThen(ar -> {
      if (ar.failed() && !stopping) { // a round cut short by the stop is no failure to report
        LOG.warn("schedule tick failed: {}", ar.cause().getMessage());
      }
    }));
  }

  private Future<Void> round() {
    long now = clock.millis();
    return schedules.due(now, BATCH).compose(due -> {
      List<Future<Void>> fires = new ArrayList<>();
      for (ScheduleService.Due d : due) {
        fires.add(fire(d, now));
      }
      // A stopping node finishes this batch (its fires are claimed) and leaves the next to the other nodes.
      return Future.join(fires).<Void>mapEmpty()
          .compose(v -> due.size() == BATCH && !stopping ? round() : Future.succeededFuture());
    });
  }

  private Future<Void> fire(ScheduleService.Due d, long now) {
    Schedule s = d.schedule();
    long next;
    try {
      next = CronSpec.parse(s.cron()).next(Math.max(now, d.fireTime()));
    } catch (CronSpec.InvalidCronException e) {
      next = -1; // validated when stored; a cron a newer node accepted is not fired here again and again
    }
    return schedules.claim(s, d.fireTime(), next).compose(won -> {
      if (!won) {
        return Future.succeededFuture();
      }
      return publisher.fire(s, d.fireTime())
          .onSuccess(ids -> metrics.scheduleFired(true))
          .recover(err -> {
            metrics.scheduleFired(false);
            LOG.warn("schedule {}: the fire at {} was not published: {}", s.id(), d.fireTime(), err.getMessage());
            return Future.succeededFuture(List.of());
          })
          .compose(ids -> schedules.recordFire(s.id(), d.fireTime(), ids));
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    // The round under way finishes first: a fire it has claimed is published, not cut off by the close.
    return rounds.idle().eventually(redis::close);
  }
}
