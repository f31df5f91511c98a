package dev.courier.redis;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.dispatch.Delivery;
import dev.courier.model.FlowControl;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Flow-control keys as gates ({@code f:<key>}, design.md §3a), script by script on a real Redis: the rate
 * window (a spent one takes the gate out of the runnable set with a timer in due for its end; the timer makes
 * it runnable again), parallelism as permits (0 = unlimited; a retry gives its permit back), the limits each
 * stored message sets unless pinned, and pin, unpin, resetRate and pause.
 */
@ExtendWith(VertxExtension.class)
class FlowControlScriptsTest {
  private static final String F = "f:k";
  private GateFixture f;

  @BeforeEach
  void setUp(Vertx vertx) {
    f = new GateFixture(vertx, "flow", outbox());
  }

  /** Whether the scripts run with the event log's outbox ({@link FlowControlScriptsWithOutboxTest}). */
  boolean outbox() {
    return false;
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private static FlowControl limits(int parallelism, int rate, long periodMs) {
    return new FlowControl("k", parallelism, rate, periodMs);
  }

  private Double timer() {
    Response r = f.cmd(Request.cmd(Command.ZSCORE).arg(f.keys.due(0)).arg(Keys.rateTimer(F)));
    return r == null ? null : r.toDouble();
  }

  private long change(String op, String a, String b, String c) {
    return get(f.scripts.run(LuaScript.CHANGE_FLOW_CONTROL, List.of(f.keys.runnable(0)),
        List.of(f.keys.gatePrefix(0), F, op, a, b, c, System.currentTimeMillis()))).toLong();
  }

  private static List<String> ids(List<Delivery> ds) {
    return ds.stream().map(Delivery::id).toList();
  }

  @Test
  void aSpentRateWindowTakesTheGateOutWithATimerThatMakesItRunnableAgain() {
    long now = System.currentTimeMillis();
    for (int i = 0; i < 5; i++) {
      f.store(limits(0, 2, 1_000), "m" + i, now);
    }
    assertTrue(f.runnable(F), "ready work, no parallelism limit, an empty window");
    assertEquals(List.of("m0", "m1"), ids(f.claimAt(10, now)), "two attempts per window");
    assertFalse(f.runnable(F), "spent: out of the runnable set, so no claim looks at it");
    long windowStart = Long.parseLong(f.field(F, "windowStart"));
    assertEquals(windowStart + 1_000, timer(), 1e-3, "a timer in due for the window's end");
    assertEquals("2", f.field(F, "windowCount"));
    assertEquals(List.of(), ids(f.claimAt(10, now + 500)), "nothing more in this window");
    assertEquals(2, f.active(F), "both attempts hold a permit (counted, though parallelism is unlimited)");

    // The timer falls due: the claim makes the gate runnable again and starts the next window's two.
    List<Delivery> next = f.claimAt(10, windowStart + 1_000);
    assertEquals(List.of("m2", "m3"), ids(next));
    assertTrue(next.get(0).dueAt() >= windowStart + 1_000, "sent no earlier than the new window");
    assertEquals(windowStart + 2_000, timer(), 1e-3, "the next window's timer");
    assertNull(f.cmd(Request.cmd(Command.ZSCORE).arg(f.keys.due(0)).arg("m4")), "m4 waits in the list, not on the wheel");
    assertEquals(1, f.cmd(Request.cmd(Command.LLEN).arg(f.keys.gateReady(0, F))).toInteger());
  }

  @Test
  void aWindowThatEndedLongAgoStartsAfreshAndATimerForAGoneGateChangesNothing() {
    long now = System.currentTimeMillis();
    f.store(limits(0, 1, 1_000), "a", now);
    f.store(limits(0, 1, 1_000), "b", now);
    assertEquals(List.of("a"), ids(f.claimAt(10, now)));
    assertEquals(List.of("b"), ids(f.claimAt(10, now + 60_000)), "the timer, a minute late: a new window");
    assertEquals(String.valueOf(now + 60_000), f.field(F, "windowStart"));
    assertEquals(List.of(), ids(f.claimAt(10, now + 120_000)), "its timer with nothing to start");
    assertFalse(f.runnable(F));
  }

  @Test
  void parallelismBoundsAttemptsInFlightAndARetryGivesItsPermitBack() {
    long now = System.currentTimeMillis();
    for (int i = 0; i < 4; i++) {
      f.store(limits(2, 0, 0), "p" + i, now);
    }
    List<Delivery> two = f.claimDeliveries(10);
    assertEquals(List.of("p0", "p1"), ids(two));
    assertFalse(f.runnable(F), "full");
    assertEquals(1L, f.ack(two.get(0)));
    assertTrue(f.runnable(F), "the ack freed a permit");
    Delivery third = f.claimDeliveries(10).get(0);
    assertEquals("p2", third.id());
    // p1 fails: waiting for its retry it holds no permit (parallelism counts attempts in flight) ...
    assertEquals(3L, f.retry(two.get(1), now + 200), "done, and the freed permit made the gate runnable");
    assertEquals(1, f.active(F));
    assertEquals("1", f.field(F, "delayed"), "counted as delayed while it waits");
    assertEquals(List.of("p3"), f.claim(10), "so p3 starts meanwhile");
    // ... and when its retry falls due it joins the tail of the waitlist
    assertEquals(List.of(), ids(f.claimAt(10, now + 300)), "due, but both permits are taken");
    assertEquals("0", f.field(F, "delayed"));
    assertEquals(1, f.cmd(Request.cmd(Command.LLEN).arg(f.keys.gateReady(0, F))).toInteger());
    assertEquals(1L, f.ack(third));
    List<Delivery> retried = f.claimDeliveries(10);
    assertEquals(List.of("p1"), ids(retried));
    assertEquals(1, retried.get(0).retried());
  }

  @Test
  void aDeferredAttemptGivesItsPermitBackLikeARetryButCountsNoAttempt() {
    long now = System.currentTimeMillis();
    for (int i = 0; i < 3; i++) {
      f.store(limits(2, 0, 0), "p" + i, now);
    }
    List<Delivery> two = f.claimDeliveries(10);
    assertEquals(3L, f.defer(two.get(0), now + 200), "done, and the freed permit made the key runnable");
    assertEquals("1", f.field(F, "delayed"));
    assertEquals(List.of("p2"), f.claim(10), "the next starts meanwhile");
    assertEquals(List.of(), ids(f.claimAt(10, now + 300)), "due again, but both permits are taken");
    assertEquals(1L, f.ack(two.get(1)));
    List<Delivery> back = f.claimDeliveries(10);
    assertEquals(List.of("p0"), ids(back));
    assertEquals(0, back.get(0).retried(), "a deferral is no attempt");
  }

  @Test
  void aRetryCountsInTheRateWindowLikeAFirstAttempt() {
    long now = System.currentTimeMillis();
    f.store(limits(0, 2, 1_000), "x", now);
    f.store(limits(0, 2, 1_000), "y", now);
    f.store(limits(0, 2, 1_000), "z", now);
    List<Delivery> two = f.claimAt(10, now);
    long windowStart = Long.parseLong(f.field(F, "windowStart"));
    assertEquals(1L, f.retry(two.get(0), now), "x failed; its retry is due at once");
    assertEquals(List.of(), ids(f.claimAt(10, now + 10)), "but the window's two attempts are spent");
    List<Delivery> next = f.claimAt(10, windowStart + 1_000);
    assertEquals(List.of("z", "x"), ids(next), "the next window: z waited longer than x's retry");
    assertEquals(1, next.get(1).retried());
    assertEquals("2", f.field(F, "windowCount"), "the retry counted");
  }

  @Test
  void everyStoredMessageSetsTheLimitsUnlessPinned() {
    long now = System.currentTimeMillis();
    f.store(limits(3, 10, 60_000), "a", now + 60_000);
    assertEquals(List.of("3", "10", "60000"), List.of(f.field(F, "parallelism"), f.field(F, "rate"),
        f.field(F, "period")));
    assertEquals(1L, f.cmd(Request.cmd(Command.SISMEMBER).arg(f.keys.flows(0)).arg(F)).toLong());
    assertEquals(0L, f.cmd(Request.cmd(Command.SCARD).arg(f.keys.gates(0))).toLong(), "not a queue");
    f.store(limits(5, 0, 0), "b", now + 60_000);
    assertEquals(List.of("5", "0"), List.of(f.field(F, "parallelism"), f.field(F, "rate")),
        "a limit the latest message does not give is lifted");

    assertEquals(1L, change("pin", "2", "", ""));
    f.store(limits(7, 4, 2_000), "c", now + 60_000);
    assertEquals(List.of("2", "4", "2000"), List.of(f.field(F, "parallelism"), f.field(F, "rate"),
        f.field(F, "period")), "the pinned parallelism stays, the rate follows the message");
    assertEquals(1L, change("pin", "", "9", "30000"));
    f.store(limits(7, 4, 2_000), "d", now + 60_000);
    assertEquals(List.of("2", "9", "30000", "1", "1"), List.of(f.field(F, "parallelism"), f.field(F, "rate"),
        f.field(F, "period"), f.field(F, "pinnedParallelism"), f.field(F, "pinnedRate")));
    assertEquals(1L, change("unpin", "1", "0", ""));
    f.store(limits(7, 4, 2_000), "e", now + 60_000);
    assertEquals(List.of("7", "9"), List.of(f.field(F, "parallelism"), f.field(F, "rate")),
        "unpinned parallelism follows messages again; the rate is still pinned");
    assertEquals(0L, get(f.scripts.run(LuaScript.CHANGE_FLOW_CONTROL, List.of(f.keys.runnable(0)),
        List.of(f.keys.gatePrefix(0), "f:nope", "resetRate", "", "", "", now))).toLong(), "unknown key");
  }

  @Test
  void pinAndResetRateStartANewWindowAndLoweringTheRateSetsTheTimer() {
    long now = System.currentTimeMillis();
    for (int i = 0; i < 6; i++) {
      f.store(limits(0, 2, 60_000), "r" + i, now);
    }
    assertEquals(2, f.claim(10).size());
    assertFalse(f.runnable(F), "spent for a minute");
    assertEquals(1L, change("resetRate", "", "", ""));
    assertEquals("0", f.field(F, "windowCount"));
    assertTrue(f.runnable(F), "a reset window can start work at once");
    assertEquals(2, f.claim(10).size());
    assertEquals(1L, change("pin", "", "3", ""));
    assertTrue(f.runnable(F), "pin resets the rate state too");
    assertEquals(List.of("r4", "r5"), f.claim(10));
    assertEquals("3", f.field(F, "rate"));
    assertEquals("60000", f.field(F, "period"), "a pin without period keeps the period");

    // A message lowering the rate below what the window already counts: spent, with its timer.
    assertEquals(1L, change("unpin", "0", "1", ""));
    f.cmd(Request.cmd(Command.DEL).arg(f.keys.due(0)));
    f.store(limits(0, 1, 60_000), "late", now);
    assertFalse(f.runnable(F));
    assertEquals(Long.parseLong(f.field(F, "windowStart")) + 60_000, timer(), 1e-3);
  }

  private long expire(long now, long idleMs) {
    Response r = get(f.scripts.run(LuaScript.EXPIRE_FLOW_CONTROL, List.of(f.keys.flows(0), f.keys.runnable(0),
        f.keys.due(0)), List.of(f.keys.gatePrefix(0), now, idleMs, "0", 100)));
    assertEquals("0", r.get(0).toString(), "one page holds the test's keys");
    return r.get(1).toLong();
  }

  @Test
  void idleKeysAreRemovedButNotWhileAnythingOfThemIsPendingPausedOrPinned() {
    long now = System.currentTimeMillis();
    f.store(limits(0, 1, 1_000), "a", now);
    f.store(limits(0, 1, 1_000), "b", now + 60_000); // delayed
    Delivery a = f.claimDeliveries(10).get(0);
    assertEquals(0, expire(now + 5_000, 0), "b is delayed and a in flight");
    assertEquals(1L, f.ack(a));
    assertEquals(1L, f.cancel("b"));
    assertEquals(0, expire(now + 10, 0), "its rate window has not ended");
    assertEquals(0, expire(now + 5_000, 60_000), "not idle for long enough");
    assertEquals(1L, change("pin", "1", "", ""));
    assertEquals(0, expire(now + 120_000, 0), "pinned: kept");
    assertEquals(1L, change("unpin", "1", "0", ""));
    assertEquals(1, expire(now + 120_000, 0));
    assertNull(f.field(F, "created"));
    assertEquals(0L, f.cmd(Request.cmd(Command.SCARD).arg(f.keys.flows(0))).toLong());
    assertNull(timer(), "its rate timer is gone too");
    f.store(limits(2, 0, 0), "c", now);
    assertEquals("2", f.field(F, "parallelism"), "its next message creates it again");
  }

  @Test
  void aPausedKeyKeepsItsWaitlistAndItsWindowRuns() {
    long now = System.currentTimeMillis();
    assertEquals(0L, get(f.scripts.run(LuaScript.CONFIGURE_GATE, List.of(f.keys.flows(0), f.keys.runnable(0)),
        List.of(f.keys.gatePrefix(0), F, "", "1", now, "0"))).toLong(), "an unknown key is not created");
    f.store(limits(1, 0, 0), "w0", now);
    f.store(limits(1, 0, 0), "w1", now);
    assertEquals(1L, get(f.scripts.run(LuaScript.CONFIGURE_GATE, List.of(f.keys.flows(0), f.keys.runnable(0)),
        List.of(f.keys.gatePrefix(0), F, "", "1", now, "0"))).toLong());
    assertFalse(f.runnable(F));
    assertEquals(List.of(), f.claim(10));
    assertEquals(2, f.cmd(Request.cmd(Command.LLEN).arg(f.keys.gateReady(0, F))).toInteger());
    get(f.scripts.run(LuaScript.CONFIGURE_GATE, List.of(f.keys.flows(0), f.keys.runnable(0)),
        List.of(f.keys.gatePrefix(0), F, "", "0", now, "0")));
    assertEquals(List.of("w0"), f.claim(10), "resumed, from the oldest, one at a time");
  }
}
