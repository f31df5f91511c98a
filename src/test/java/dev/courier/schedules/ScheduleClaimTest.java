package dev.courier.schedules;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.model.LimitExceededException;
import dev.courier.redis.Keys;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The schedule scripts called through ScheduleService on a real Redis: the claim is once per fire time. */
@ExtendWith(VertxExtension.class)
class ScheduleClaimTest {
  private static final long T = 1_893_456_060_000L; // 2030-01-01T00:01:00Z
  private RedisConnector redis;
  private ScheduleService schedules;

  @BeforeEach
  void setUp(Vertx vertx) {
    redis = new RedisConnector(vertx, TestRedis.url());
    ScriptRunner scripts = new ScriptRunner(redis);
    schedules = new ScheduleService(scripts, new Keys("sc" + UUID.randomUUID().toString().substring(0, 8), 1), 3);
    get(scripts.loadAll());
  }

  @AfterEach
  void tearDown() {
    get(redis.close());
  }

  private static Schedule schedule(String id) {
    return Schedule.create(id, "* * * * *", "https://example.com", null, "", Buffer.buffer("b"), "1.2.3.4", T - 30_000,
        null, "{}");
  }

  @Test
  void aStalledReaderCannotClaimAFireAnotherNodeClaimed() {
    assertTrue(get(schedules.put(schedule("s"), T)));
    List<ScheduleService.Due> readByA = get(schedules.due(T, 10));
    List<ScheduleService.Due> readByB = get(schedules.due(T, 10));
    assertEquals(1, readByA.size());
    assertEquals(T, readByA.get(0).fireTime());
    assertTrue(get(schedules.claim(readByB.get(0).schedule(), T, T + 60_000)), "B fires the tick");
    // A wakes up late, even after the next tick fell due: its read is stale and claims nothing.
    assertFalse(get(schedules.claim(readByA.get(0).schedule(), T, T + 120_000)));
    assertFalse(get(schedules.claim(readByB.get(0).schedule(), T, T + 60_000)), "nor can B claim it twice");
    Schedule s = get(schedules.get("s"));
    assertEquals(T, s.lastFire());
    assertEquals(T + 60_000, s.nextFire());
    assertEquals(0, get(schedules.due(T + 59_999, 10)).size());
    assertEquals(1, get(schedules.due(T + 60_000, 10)).size());
  }

  @Test
  void aReplacedOrPausedOrDeletedScheduleIsNotClaimedFromAnOldRead() {
    get(schedules.put(schedule("r"), T));
    ScheduleService.Due read = get(schedules.due(T, 10)).get(0);
    assertFalse(get(schedules.put(schedule("r"), T)), "replaced, same fire time");
    assertFalse(get(schedules.claim(read.schedule(), T, T + 60_000)), "the version changed");
    read = get(schedules.due(T, 10)).get(0);
    assertTrue(get(schedules.pause("r")));
    assertFalse(get(schedules.claim(read.schedule(), T, T + 60_000)));
    assertTrue(get(schedules.resume("r", T)));
    read = get(schedules.due(T + 60_000, 10)).get(0);
    assertTrue(get(schedules.delete("r")));
    assertFalse(get(schedules.claim(read.schedule(), read.fireTime(), T + 120_000)));
    assertNull(get(schedules.get("r")));
    get(schedules.recordFire("r", read.fireTime(), List.of("msg_1")));
    assertNull(get(schedules.get("r")), "a late record does not bring a deleted schedule back");
  }

  @Test
  void theQuotaCountsNewSchedulesOnly() {
    for (String id : List.of("a", "b", "c")) {
      get(schedules.put(schedule(id), T));
    }
    Throwable e = assertThrowsCause(() -> get(schedules.put(schedule("d"), T)));
    assertTrue(e instanceof LimitExceededException, String.valueOf(e));
    assertFalse(get(schedules.put(schedule("a"), T)));
    assertEquals(List.of("a", "b", "c"), get(schedules.list()).stream().map(Schedule::id).sorted().toList());
  }

  private static Throwable assertThrowsCause(Runnable r) {
    try {
      r.run();
    } catch (IllegalStateException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }
}
