package dev.courier.schedules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.support.MovableClock;
import dev.courier.support.Sink;
import dev.courier.support.Sink.Received;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code CRON_TZ=Europe/Berlin 30 2 * * *} across both 2027 transitions, fired by a node whose clock the test
 * moves: once on each day, at the times docs/api-decisions.md gives ("Daylight saving time").
 */
class ScheduleDstTest {
  private static Vertx vertx;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    TestNode.get(vertx.close());
  }

  private static long at(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }

  @Test
  void onceOnEachTransitionDay() throws Exception {
    MovableClock clock = new MovableClock(Instant.parse("2027-03-28T00:00:00Z"));
    try (Sink sink = Sink.start(vertx);
        TestNode node = TestNode.start(vertx, Map.of("COURIER_SCHEDULES_POLL_INTERVAL_MS", "10"), clock)) {
      var berlin = Map.of("Upstash-Cron", "CRON_TZ=Europe/Berlin 30 2 * * *", "Upstash-Schedule-Id", "berlin");
      ScheduleApiTest.created(node, sink.url("/berlin"), berlin, null);
      // Spring: 02:30 does not exist on 28 March; it fires at 03:30 CEST.
      assertEquals(at("2027-03-28T01:30:00Z"), node.getJson("/v2/schedules/berlin").getLong("nextScheduleTime"));
      clock.set(at("2027-03-28T01:30:00Z"));
      sink.await(1, 10_000);
      Sink.waitFor(() -> node.getJson("/v2/schedules/berlin").containsKey("lastScheduleStates"), 10_000, "recorded");
      assertEquals(at("2027-03-29T00:30:00Z"), node.getJson("/v2/schedules/berlin").getLong("nextScheduleTime"),
          "then 02:30 CEST the next day");

      // Autumn: the same schedule created again the day before clocks go back. Deleted first: moved seven months
      // on, its 29 March tick would otherwise fire as a missed one.
      assertEquals(200, node.send("DELETE", "/v2/schedules/berlin", Map.of(), null).statusCode());
      clock.set(at("2027-10-30T12:00:00Z"));
      ScheduleApiTest.created(node, sink.url("/berlin"), berlin, null);
      var sentinel = Map.of("Upstash-Cron", "30 1 31 10 *", "Upstash-Schedule-Id", "sentinel");
      ScheduleApiTest.created(node, sink.url("/sentinel"), sentinel, null);
      clock.set(at("2027-10-31T00:30:00Z")); // the first 02:30 (CEST)
      sink.await(2, 10_000);
      Sink.waitFor(() -> node.getJson("/v2/schedules/berlin").containsKey("lastScheduleStates"), 10_000, "recorded");
      clock.set(at("2027-10-31T01:30:00Z")); // the second 02:30 (CET): the sentinel fires, Berlin does not
      sink.await(3, 10_000);
      Sink.waitFor(() -> node.getJson("/v2/schedules/sentinel").containsKey("lastScheduleStates"), 10_000,
          "the sentinel's fire is recorded");
      assertEquals(List.of("/berlin", "/berlin", "/sentinel"), sink.received().stream().map(Received::uri).toList());
      var s = node.getJson("/v2/schedules/berlin");
      assertEquals(at("2027-10-31T00:30:00Z"), s.getLong("lastScheduleTime"));
      assertEquals(at("2027-11-01T01:30:00Z"), s.getLong("nextScheduleTime"), "then 02:30 CET the next day");
    }
  }
}
