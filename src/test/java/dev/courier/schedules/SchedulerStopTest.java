package dev.courier.schedules;

import static dev.courier.schedules.ScheduleApiTest.MINUTE;
import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.courier.api.ScheduledPublisher;
import dev.courier.config.AppConfig;
import dev.courier.config.ConfigLoader;
import dev.courier.metrics.CourierMetrics;
import dev.courier.redis.Keys;
import dev.courier.support.MovableClock;
import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import dev.courier.topics.TopicCache;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A scheduler stopped while its round publishes a fire it has claimed: the stop lets the round finish, so the
 * fire is published. It used to close Redis under the round: the claimed fire was lost ("was not published", a
 * WARN on a clean stop), and no node fired that tick again.
 */
@ExtendWith(VertxExtension.class)
class SchedulerStopTest {

  @Test
  void aStopDuringAFireLetsItBePublished(Vertx vertx) throws Exception {
    String prefix = "sstop" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> env = new HashMap<>(TestNode.env(TestRedis.url(), prefix));
    env.put("COURIER_SCHEDULES_POLL_INTERVAL_MS", "10");
    MovableClock clock = new MovableClock(ScheduleApiTest.START);
    try (Sink sink = Sink.start(vertx)) {
      String id;
      try (TestNode a = TestNode.start(vertx, env, clock)) { // only to create the schedule; gone before its tick
        id = ScheduleApiTest.created(a, sink.url("/stop"), Map.of("Upstash-Cron", "* * * * *"), null);
      }

      // A scheduler whose publishing waits for the test: its round is under way, the fire claimed, at the stop.
      AppConfig config = ConfigLoader.load(env, null, false);
      Keys keys = new Keys(prefix, 1, false);
      SchedulePublisher.Factory real = ScheduledPublisher.factory(config, keys, () -> { }, new TopicCache(),
          CourierMetrics.disabled());
      Promise<Void> publishing = Promise.promise();
      Promise<Void> release = Promise.promise();
      SchedulePublisher.Factory held = (context, scripts) -> {
        SchedulePublisher publisher = real.create(context, scripts);
        return (schedule, fireTime) -> {
          publishing.tryComplete();
          return release.future().compose(v -> publisher.fire(schedule, fireTime));
        };
      };
      String deployment = get(vertx.deployVerticle(new SchedulerVerticle(TestRedis.url(), keys, clock, 10, held,
          CourierMetrics.disabled())));
      clock.advance(30_000); // the tick at 00:01
      get(publishing.future());
      Future<Void> stopped = vertx.undeploy(deployment);
      assertFalse(stopped.isComplete(), "the stop waits for the round");
      release.complete();
      get(stopped);

      // A node on the same Redis delivers what was published; it does not fire the claimed tick again.
      try (TestNode b = TestNode.start(vertx, env, clock)) {
        sink.await(1, 10_000);
        assertEquals(id, sink.received().get(0).header("Upstash-Schedule-Id"));
        Sink.waitFor(() -> b.getJson("/v2/schedules/" + id).containsKey("lastScheduleStates"), 10_000,
            "the fire is recorded");
        assertEquals(clock.millis() + MINUTE, b.getJson("/v2/schedules/" + id).getLong("nextScheduleTime"),
            "the next tick is the one after");
        // The next tick: had the held one fired twice, its duplicate would be counted before it.
        clock.advance(MINUTE);
        sink.await(2, 10_000);
        assertEquals(2, sink.received().size(), "each tick once");
      }
    }
  }
}
