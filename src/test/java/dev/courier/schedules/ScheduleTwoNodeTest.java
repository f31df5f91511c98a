package dev.courier.schedules;

import static dev.courier.schedules.ScheduleApiTest.MINUTE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.support.MovableClock;
import dev.courier.support.Sink;
import dev.courier.support.Sink.Received;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two nodes on one Redis and one moved clock: each tick of a schedule fires once (issue #19). */
class ScheduleTwoNodeTest {
  private static Vertx vertx;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    TestNode.get(vertx.close());
  }

  private static Map<String, String> env(String prefix) {
    return Map.of("COURIER_REDIS_KEY_PREFIX", prefix, "COURIER_SCHEDULES_POLL_INTERVAL_MS", "10");
  }

  @Test
  void overTwentyTicksEachFiresExactlyOnce() throws Exception {
    String prefix = "two" + UUID.randomUUID().toString().substring(0, 8);
    MovableClock clock = new MovableClock(ScheduleApiTest.START);
    try (Sink sink = Sink.start(vertx); TestNode a = TestNode.start(vertx, env(prefix), clock);
        TestNode b = TestNode.start(vertx, env(prefix), clock)) {
      String id = ScheduleApiTest.created(a, sink.url("/tick"), Map.of("Upstash-Cron", "* * * * *"), null);
      clock.advance(30_000);
      for (int tick = 1; tick <= 20; tick++) {
        sink.await(tick, 10_000);
        long fired = clock.millis();
        Sink.waitFor(() -> fired == a.getJson("/v2/schedules/" + id).getLong("lastScheduleTime"), 10_000,
            "tick recorded");
        clock.advance(MINUTE);
      }
      // The 21st fire: had any of the first 20 fired twice, its duplicate would be counted before it.
      sink.await(21, 10_000);
      Sink.waitFor(() -> clock.millis() == b.getJson("/v2/schedules/" + id).getLong("lastScheduleTime"), 10_000,
          "tick 21 recorded");
      assertEquals(21, sink.received().size(), "each tick once");
      var ids = new HashSet<String>();
      for (Received r : sink.received()) {
        ids.add(r.header("Upstash-Message-Id"));
        assertEquals(id, r.header("Upstash-Schedule-Id"));
      }
      assertEquals(21, ids.size(), "a message per tick");
    }
  }

  @Test
  void ticksMissedWhileEveryNodeWasDownFireOnce() throws Exception {
    String prefix = "down" + UUID.randomUUID().toString().substring(0, 8);
    MovableClock clock = new MovableClock(ScheduleApiTest.START);
    try (Sink sink = Sink.start(vertx)) {
      String id;
      try (TestNode a = TestNode.start(vertx, env(prefix), clock)) {
        id = ScheduleApiTest.created(a, sink.url("/missed"), Map.of("Upstash-Cron", "* * * * *"), null);
      }
      clock.advance(30_000 + 4 * MINUTE); // five ticks (00:01 … 00:05) pass with no node up
      try (TestNode a = TestNode.start(vertx, env(prefix), clock);
          TestNode b = TestNode.start(vertx, env(prefix), clock)) {
        sink.await(1, 10_000);
        Sink.waitFor(() -> a.getJson("/v2/schedules/" + id).containsKey("lastScheduleStates"), 10_000,
            "the fire is recorded");
        JsonObject s = b.getJson("/v2/schedules/" + id);
        assertEquals(ScheduleApiTest.START.toEpochMilli() + 30_000, s.getLong("lastScheduleTime"),
            "the first missed tick's time");
        assertEquals(clock.millis() + MINUTE, s.getLong("nextScheduleTime"), "then the next one after now");
        clock.advance(MINUTE);
        sink.await(2, 10_000);
        assertEquals(2, sink.received().size(), "one fire for the five missed ticks, then the next tick");
      }
    }
  }
}
