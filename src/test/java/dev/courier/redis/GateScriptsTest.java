package dev.courier.redis;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.dispatch.Delivery;
import dev.courier.wheel.DelayWheel;
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
 * The gate rules of storage layout 3 (design.md §3a), script by script on a real Redis: permits taken in
 * the claim and given back exactly once by every outcome, FIFO through retries and reaps, paused and full
 * gates out of the claim's sight, round-robin between gates.
 */
@ExtendWith(VertxExtension.class)
class GateScriptsTest {
  private static final String A = "q:a";
  private static final String B = "q:b";
  private GateFixture f;
  private Keys keys;
  private DelayWheel wheel;
  private ScriptRunner scripts;

  @BeforeEach
  void setUp(Vertx vertx) {
    f = new GateFixture(vertx, "gate", outbox());
    keys = f.keys;
    wheel = f.wheel;
    scripts = f.scripts;
  }

  /** Whether the scripts run with the event log's outbox ({@link GateScriptsWithOutboxTest}). */
  boolean outbox() {
    return false;
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private void store(String gate, String id, long due) {
    f.store(gate, id, due);
  }

  private void configure(String gate, String parallelism, String paused) {
    f.configure(gate, parallelism, paused);
  }

  private List<String> claim(int max) {
    return f.claim(max);
  }

  private List<Delivery> claimDeliveries(int max) {
    return f.claimDeliveries(max);
  }

  private Response cmd(Request r) {
    return f.cmd(r);
  }

  private long ack(Delivery d) {
    return f.ack(d);
  }

  private long retry(Delivery d, long dueAt) {
    return f.retry(d, dueAt);
  }

  private long cancel(String id) {
    return f.cancel(id);
  }

  private long active(String gate) {
    return f.active(gate);
  }

  private boolean runnable(String gate) {
    return f.runnable(gate);
  }

  @Test
  void parallelismOneIsFifoAndTheNextStartsOnlyAfterTheOutcome() {
    long now = System.currentTimeMillis();
    for (int i = 0; i < 3; i++) {
      store(A, "m" + i, now);
    }
    List<Delivery> first = claimDeliveries(10);
    assertEquals(List.of("m0"), first.stream().map(Delivery::id).toList(), "a new queue has parallelism 1");
    assertEquals(List.of(), claim(10), "nothing more while m0 is in flight");
    assertFalse(runnable(A), "a full gate is not in the runnable set");
    assertEquals(1L, ack(first.get(0)));
    assertEquals(0, active(A), "the ack gave the permit back");
    assertEquals(List.of("m1"), claim(10));
  }

  @Test
  void aPermitGivenBackToAQueuePausedMeanwhileStartsNothingAndTheClaimDropsTheQueue() {
    long now = System.currentTimeMillis();
    store(A, "m0", now);
    store(A, "m1", now);
    List<Delivery> first = claimDeliveries(10);
    f.configure(A, "1", "1");
    assertEquals(1L, ack(first.get(0)));
    assertTrue(runnable(A), "the ack puts a queue with ready work back without reading its settings");
    assertEquals(List.of(), claim(10), "paused: nothing starts");
    assertFalse(runnable(A), "the claim's visit took the paused queue out");
    f.configure(A, "1", "0");
    assertEquals(List.of("m1"), claim(10), "resumed");
  }

  @Test
  void aPermitGivenBackToAQueueWhoseParallelismWasLoweredStartsNothingWhileItIsStillFull() {
    long now = System.currentTimeMillis();
    for (int i = 0; i < 4; i++) {
      store(A, "m" + i, now);
    }
    f.configure(A, "3", "0");
    List<Delivery> three = claimDeliveries(10);
    assertEquals(3, three.size());
    f.configure(A, "1", "0");
    assertEquals(1L, ack(three.get(0)));
    assertEquals(List.of(), claim(10), "two still in flight, parallelism 1: full");
    assertFalse(runnable(A));
    assertEquals(1L, ack(three.get(1)));
    assertEquals(1L, ack(three.get(2)));
    assertEquals(List.of("m3"), claim(10));
  }

  @Test
  void aMessageWaitingForItsRetryKeepsThePermitSoTheQueueStaysInOrder() {
    long now = System.currentTimeMillis();
    store(A, "m0", now);
    store(A, "m1", now);
    Delivery d = claimDeliveries(10).get(0);
    assertEquals(1L, retry(d, now - 1), "the retry is due at once");
    assertEquals(1, active(A), "the retry kept the permit");
    List<Delivery> again = claimDeliveries(10);
    assertEquals(List.of("m0"), again.stream().map(Delivery::id).toList(), "the retry, not m1");
    assertEquals(1, again.get(0).retried());
    assertEquals(1L, ack(again.get(0)));
    assertEquals(List.of("m1"), claim(10));
  }

  @Test
  void aDeferredAttemptKeepsThePermitCountsNoAttemptAndIsFencedByItsLease() {
    long now = System.currentTimeMillis();
    store(A, "m0", now);
    store(A, "m1", now);
    store(null, "u", now);
    List<Delivery> claimed = claimDeliveries(10);
    Delivery m0 = claimed.stream().filter(d -> d.id().equals("m0")).findFirst().orElseThrow();
    Delivery u = claimed.stream().filter(d -> d.id().equals("u")).findFirst().orElseThrow();
    assertEquals(1L, f.defer(m0, now + 500));
    assertEquals(0L, f.defer(m0, now + 500), "its lease is gone: a second defer changes nothing");
    assertEquals(1L, f.defer(u, now + 500));
    assertEquals(1, active(A), "the deferred message kept its queue's permit");
    assertEquals(List.of(), claim(10), "m1 waits behind it, and nothing is due yet");
    List<Delivery> again = f.claimAt(10, now + 600);
    assertEquals(List.of("m0", "u"), again.stream().map(Delivery::id).sorted().toList());
    assertTrue(again.stream().allMatch(d -> d.retried() == 0), "a deferral is no attempt");
    Delivery m0Again = again.stream().filter(d -> d.id().equals("m0")).findFirst().orElseThrow();
    assertEquals(1L, ack(m0Again));
    assertEquals(List.of("m1"), claim(10));
  }

  @Test
  void aMessageCancelledBeforeItsDeferralLeavesItsQueue() {
    long now = System.currentTimeMillis();
    store(A, "m0", now);
    store(A, "m1", now);
    Delivery d = claimDeliveries(10).get(0);
    assertEquals(1L, f.cancel("m0"));
    assertEquals(2L, f.defer(d, now), "not put back, and its permit freed a queue with ready work");
    assertEquals(0, active(A));
    assertEquals(List.of("m1"), claim(10));
  }

  @Test
  void aReapedMessageGoesBackToTheHeadAndItsPermitComesBack() {
    long now = System.currentTimeMillis();
    store(A, "m0", now);
    store(A, "m1", now);
    Delivery lost = claimDeliveries(10).get(0);
    assertEquals(1, get(wheel.reap(0, now + 60_000, 100)), "its node died: the lease expired");
    assertEquals(0, active(A));
    List<Delivery> next = claimDeliveries(10);
    assertEquals(List.of("m0"), next.stream().map(Delivery::id).toList(), "back at the head, not the tail");
    assertEquals(1, next.get(0).retried(), "the lost attempt counts");
    assertEquals(0L, ack(lost), "the dead node's late ack is fenced out");
    assertEquals(1, active(A), "and did not release the new holder's permit");
  }

  @Test
  void everyOutcomeReleasesThePermitExactlyOnce() {
    long now = System.currentTimeMillis();
    configure(A, "2", "");
    for (String id : List.of("ok", "dead", "cancelled", "w1", "w2")) {
      store(A, id, now);
    }
    List<Delivery> two = claimDeliveries(10);
    assertEquals(List.of("ok", "dead"), two.stream().map(Delivery::id).toList());
    assertEquals(1L, ack(two.get(0)));
    assertEquals(0L, ack(two.get(0)), "a repeated ack changes nothing");
    assertEquals(1, active(A));
    Response moved = get(scripts.run(LuaScript.MOVE_TO_DLQ, keys.deadLetterKeys(0, "1-0"), List.of("dead",
        two.get(1).leaseToken(), "1-0", now, 3L, now - 1000, keys.deadLetterPrefix(0), keys.gatePrefix(0), 0L)));
    assertEquals(1L, moved.toLong() & 1, "dead-lettered");
    assertEquals(0, active(A));
    List<Delivery> next = claimDeliveries(10);
    assertEquals(List.of("cancelled", "w1"), next.stream().map(Delivery::id).toList());
    assertEquals(1L, cancel("cancelled"));
    assertEquals(2, active(A), "an attempt in flight keeps its permit until its outcome");
    assertEquals(0L, ack(next.get(0)), "the cancelled message's outcome writes nothing ...");
    assertEquals(1, active(A), "... but gives the permit back");
    assertEquals(List.of("w2"), claim(10));
    assertEquals(2, cmd(Request.cmd(Command.HLEN).arg(keys.gated(0))).toInteger(), "w1 and w2 are still in the queue");
  }

  @Test
  void cancellingAWaitingMessageTakesItOutOfTheQueue() {
    long now = System.currentTimeMillis();
    store(A, "m0", now);
    store(A, "m1", now);
    store(A, "m2", now + 60_000); // delayed: on the wheel, not yet in the queue
    assertEquals(1L, cancel("m1"));
    assertEquals(1L, cancel("m2"));
    Delivery d = claimDeliveries(10).get(0);
    assertEquals("m0", d.id());
    assertEquals(1L, ack(d));
    assertEquals(List.of(), claim(10), "m1 and m2 are gone");
    assertEquals("0", cmd(Request.cmd(Command.HGET).arg(keys.gate(0, A)).arg("delayed")).toString(),
        "the cancelled delayed message is no longer counted");
    assertEquals(0, cmd(Request.cmd(Command.HLEN).arg(keys.gated(0))).toInteger());
  }

  @Test
  void aPausedGateIsInNoSetTheClaimReadsAndResumesFromTheOldest() {
    long now = System.currentTimeMillis();
    configure(A, "", "1");
    for (int i = 0; i < 5; i++) {
      store(A, "m" + i, now);
    }
    assertFalse(runnable(A));
    assertEquals(List.of(), claim(10));
    assertEquals(0L, get(wheel.dueCount(0, now + 10)), "a paused queue is not even counted");
    configure(A, "3", "0");
    assertEquals(DelayWheel.GATES_READY, get(wheel.dueCount(0, now + 10)), "resumed: the claim takes all it can");
    assertEquals(List.of("m0", "m1", "m2"), claim(10), "resumed, from the oldest, up to its parallelism");
  }

  @Test
  void delayedQueuedMessagesJoinTheQueueWhenTheyFallDue() {
    long now = System.currentTimeMillis();
    store(A, "late", now + 200);
    store(A, "now", now);
    assertEquals("1", cmd(Request.cmd(Command.HGET).arg(keys.gate(0, A)).arg("delayed")).toString());
    assertEquals(List.of("now"), claim(10));
    List<Delivery> later = get(wheel.claim(0, 10, now + 300, now + 300));
    assertEquals(List.of(), later, "due, but m 'now' holds the only permit: it joined the queue");
    assertEquals(1, cmd(Request.cmd(Command.LLEN).arg(keys.gateReady(0, A))).toInteger());
    assertEquals("0", cmd(Request.cmd(Command.HGET).arg(keys.gate(0, A)).arg("delayed")).toString(),
        "no longer counted as delayed: it waits its turn now");
  }

  @Test
  void theClaimVisitsGatesRoundRobinSoABigQueueStarvesNobody() {
    long now = System.currentTimeMillis();
    configure(A, "100", "");
    for (int i = 0; i < 50; i++) {
      store(A, "a" + i, now);
    }
    store(B, "b0", now);
    List<String> claimed = claim(4);
    assertTrue(claimed.contains("b0"), "the one-message queue is served within the first round: " + claimed);
  }

  @Test
  void deletingAQueueDropsItsWaitingMessagesAtOnceAndTheRestAsTheyMove() {
    long now = System.currentTimeMillis();
    store(A, "m0", now);
    store(A, "m1", now);
    store(A, "m2", now + 100);
    Delivery inFlight = claimDeliveries(10).get(0);
    Response dropped = get(scripts.run(LuaScript.DELETE_GATE, List.of(keys.gates(0), keys.runnable(0),
        keys.messages(0), keys.retried(0), keys.gated(0)), List.of(keys.gatePrefix(0), A)));
    assertEquals(1L, dropped.toLong(), "m1 was waiting its turn");
    assertFalse(cmd(Request.cmd(Command.HEXISTS).arg(keys.messages(0)).arg("m1")).toBoolean());
    assertEquals(1L, ack(inFlight), "the attempt in flight completes");
    assertEquals(List.of(), get(wheel.claim(0, 10, now + 200, now + 200)).stream().map(Delivery::id).toList(),
        "m2 fell due after its queue was deleted: dropped");
    assertEquals(0, cmd(Request.cmd(Command.HLEN).arg(keys.messages(0))).toInteger());
    assertEquals(0, cmd(Request.cmd(Command.HLEN).arg(keys.gated(0))).toInteger());
    assertEquals(0, cmd(Request.cmd(Command.EXISTS).arg(keys.gates(0))).toInteger());
  }

  @Test
  void aRepeatedStoreCallQueuesItsMessagesOnce() {
    long now = System.currentTimeMillis();
    store(A, "m0", now);
    store(A, "m0", now); // the same call again, as after a batch that failed whole once it had run
    assertEquals(1, cmd(Request.cmd(Command.LLEN).arg(keys.gateReady(0, A))).toInteger());
    assertEquals(List.of("m0"), claim(10));
    assertEquals(List.of(), claim(10));
  }

  @Test
  void aRepeatedCallOfSeveralGatedMessagesQueuesEachOnce() {
    configure(A, "10", "0");
    String[][] call = {{"u", null}, {"a0", A}, {"b0", B}, {"a1", A}};
    assertEquals(List.of(0L, 0L, 0L, 0L), f.storeCall(0, call));
    assertEquals(List.of(0L, 0L, 0L, 0L), f.storeCall(0, call), "the same call again: stored already, each");
    assertEquals(2, cmd(Request.cmd(Command.LLEN).arg(keys.gateReady(0, A))).toInteger());
    assertEquals(1, cmd(Request.cmd(Command.LLEN).arg(keys.gateReady(0, B))).toInteger());
    assertEquals(List.of("a0", "a1", "b0", "u"), claim(10).stream().sorted().toList());
    assertEquals(List.of(), claim(10));
  }

  @Test
  void aRepeatedCallThatTheBacklogCutShortStoresWhatItRefusedNeverAsStored() {
    configure(A, "10", "0");
    String[][] call = {{"a0", A}, {"a1", A}, {"a2", A}};
    assertEquals(List.of(0L, 0L, 2L), f.storeCall(2, call), "a backlog of 2: the third refused");
    List<Long> again = f.storeCall(3, call); // the retry finds the backlog at 2 of now 3
    assertEquals(List.of(0L, 0L, 0L), again, "a0 and a1 stored before; a2 stored now");
    assertEquals(3, cmd(Request.cmd(Command.LLEN).arg(keys.gateReady(0, A))).toInteger(), "each queued once");
    assertEquals(3, cmd(Request.cmd(Command.HLEN).arg(keys.messages(0))).toInteger(), "and each stored");
  }

  @Test
  void ungatedMessagesAreClaimedAsBeforeBesideGatedOnes() {
    long now = System.currentTimeMillis();
    store(null, "plain", now);
    store(A, "q0", now);
    store(A, "q1", now);
    List<String> claimed = claim(10);
    assertEquals(List.of("plain", "q0"), claimed);
  }
}
