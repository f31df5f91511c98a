package dev.courier.redis;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.dispatch.Delivery;
import dev.courier.dispatch.LeaseTokens;
import dev.courier.ingest.IngestService;
import dev.courier.model.MessageCodec;
import dev.courier.model.StoredMessage;
import dev.courier.support.Sink;
import dev.courier.support.TestRedis;
import dev.courier.wheel.DelayWheel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Each state-transition script called directly on a real Redis: batches, fencing, dedup, NOSCRIPT. */
@ExtendWith(VertxExtension.class)
class LuaScriptsTest {
  private RedisConnector redis;
  private ScriptRunner scripts;
  private Keys keys;
  private DelayWheel wheel;

  @BeforeEach
  void setUp(Vertx vertx) {
    redis = new RedisConnector(vertx, TestRedis.url());
    scripts = new ScriptRunner(redis);
    keys = new Keys("lua" + UUID.randomUUID().toString().substring(0, 8), 1);
    wheel = new DelayWheel(scripts, keys, 1_000, new LeaseTokens("node-a"));
    get(scripts.loadAll());
  }

  @AfterEach
  void tearDown() {
    get(redis.close());
  }

  private long store(String id, long due, String dedup) {
    StoredMessage m = new StoredMessage("http://x/" + id, "POST", "", 3, null, 5_000, due, due, null, List.of(),
        Buffer.buffer(new byte[] {0, (byte) 0xff}));
    List<Object> args = new ArrayList<>(List.of(keys.dedupPrefix(0), 60_000L, 0L, keys.gatePrefix(0),
        System.currentTimeMillis(), id, due, dedup == null ? "" : dedup, MessageCodec.encode(m), "", ""));
    Response r = get(scripts.run(LuaScript.STORE_MESSAGES, IngestService.storeKeys(keys, 0), args));
    return r.get(0).get(0).toLong();
  }

  private Response cmd(Request r) {
    return get(redis.send(r));
  }

  private boolean stored(String id) {
    return cmd(Request.cmd(Command.HEXISTS).arg(keys.messages(0)).arg(id)).toInteger() == 1;
  }

  private long leaseDeadline(Delivery d) {
    return cmd(Request.cmd(Command.ZSCORE).arg(keys.lease(0)).arg(Keys.leaseMember(d.id(), d.leaseToken()))).toLong();
  }

  @Test
  void claimTakesOnlyDueMessagesInBoundedBatches() {
    long now = System.currentTimeMillis();
    for (int i = 0; i < 5; i++) {
      store("m" + i, now - 10 + i, null);
    }
    store("later", now + 60_000, null);
    List<Delivery> first = get(wheel.claim(0, 3, now + 100));
    assertEquals(List.of("m0", "m1", "m2"), first.stream().map(Delivery::id).toList(), "oldest first, at most 3");
    assertEquals(2, first.get(0).message().body().length(), "binary body intact");
    assertEquals((byte) 0xff, first.get(0).message().body().getByte(1));
    assertEquals("http://x/m0", first.get(0).message().url());
    List<Delivery> second = get(wheel.claim(0, 3, now + 100));
    assertEquals(List.of("m3", "m4"), second.stream().map(Delivery::id).toList());
    assertTrue(get(wheel.claim(0, 3, now + 100)).isEmpty(), "the delayed message is not due");
    assertEquals(5, cmd(Request.cmd(Command.ZCARD).arg(keys.lease(0))).toInteger());
    assertEquals(1, cmd(Request.cmd(Command.ZCARD).arg(keys.due(0))).toInteger());
  }

  /**
   * A claim past what Lua's unpack takes (about 8000 values: 4000 leases of two) once removed the ids
   * from the wheel and then failed before leasing them: neither due nor leased, never delivered.
   */
  @Test
  void aClaimOfThousandsOfMessagesLeasesEveryOne() {
    long now = System.currentTimeMillis();
    int n = 4_500;
    StoredMessage m = new StoredMessage("http://x/big", "POST", "", 3, null, 5_000, now, now, null, List.of(),
        Buffer.buffer("{}"));
    Request hset = Request.cmd(Command.HSET).arg(keys.messages(0));
    Request zadd = Request.cmd(Command.ZADD).arg(keys.due(0));
    for (int i = 0; i < n; i++) {
      hset.arg("b" + i).arg(MessageCodec.encode(m));
      zadd.arg(now - n + i).arg("b" + i);
    }
    cmd(hset);
    cmd(zadd);
    List<Delivery> claimed = get(wheel.claim(0, n, now));
    assertEquals(n, claimed.size());
    assertEquals("b0", claimed.get(0).id());
    assertEquals("b" + (n - 1), claimed.get(n - 1).id());
    assertEquals(n, cmd(Request.cmd(Command.ZCARD).arg(keys.lease(0))).toInteger(), "every one leased");
    assertEquals(0, cmd(Request.cmd(Command.ZCARD).arg(keys.due(0))).toInteger());
  }

  /** Only Courier writes lease members, but one without the separator must not stop the reaper for good. */
  @Test
  void anExpiredLeaseMemberWithoutATokenIsStillReaped() {
    long now = System.currentTimeMillis();
    store("bare", now + 60_000, null);
    cmd(Request.cmd(Command.ZREM).arg(keys.due(0)).arg("bare"));
    cmd(Request.cmd(Command.ZADD).arg(keys.lease(0)).arg(now - 1).arg("bare"));
    assertEquals(1, get(wheel.reap(0, now, 100)));
    assertEquals(now, cmd(Request.cmd(Command.ZSCORE).arg(keys.due(0)).arg("bare")).toLong(), "back on the wheel");
    assertEquals("bare", Keys.leasedId("bare"));
    assertEquals("m1", Keys.leasedId(Keys.leaseMember("m1", "node:7")));
  }

  @Test
  void aStoredMessageThatCannotBeReadIsRemovedAndHoldsUpNothing() {
    long now = System.currentTimeMillis();
    cmd(Request.cmd(Command.HSET).arg(keys.messages(0)).arg("garbled").arg("5000:not a message"));
    cmd(Request.cmd(Command.ZADD).arg(keys.due(0)).arg(now - 1).arg("garbled"));
    store("fine", now, null);
    List<Delivery> claimed = get(wheel.claim(0, 10, now));
    assertEquals(List.of("fine"), claimed.stream().map(Delivery::id).toList(), "the readable one goes out");
    Sink.waitFor(() -> !stored("garbled"), 5_000, "the unreadable one was not removed");
    assertTrue(stored("fine"));
  }

  @Test
  void aClaimTakesWhatFallsDueBeforeTheWheelsNextTickWithItsDueTime() {
    long now = System.currentTimeMillis();
    store("past", now - 50, null);
    store("soon", now + 8, null);
    store("later", now + 50, null);
    List<Delivery> claimed = get(wheel.claim(0, 10, now, now + 10));
    assertEquals(List.of("past", "soon"), claimed.stream().map(Delivery::id).toList(), "due by now + 10 ms");
    assertEquals(now - 50, claimed.get(0).dueAt());
    assertEquals(now + 8, claimed.get(1).dueAt(), "the dispatcher holds it until then");
    // Leases count from the due time when it lies ahead (timeout 5 s + grace 1 s), from now otherwise.
    assertEquals(now + 6_000, leaseDeadline(claimed.get(0)));
    assertEquals(now + 8 + 6_000, leaseDeadline(claimed.get(1)));
    Response left = cmd(Request.cmd(Command.ZRANGE).arg(keys.due(0)).arg(0).arg(-1));
    assertEquals(1, left.size());
    assertEquals("later", left.get(0).toString(), "not due before the next tick: left on the wheel");
  }

  @Test
  void outcomesAreFencedByTheLeaseToken() {
    long now = System.currentTimeMillis();
    store("m", now, null);
    Delivery d = get(wheel.claim(0, 10, now)).get(0);
    // The lease expires (timeout 5 s + grace 1 s) and the reaper hands the message back ...
    assertEquals(1, get(wheel.reap(0, now + 7_000, 100)));
    Delivery again = get(wheel.claim(0, 10, now + 7_000)).get(0);
    assertEquals(1, again.retried(), "the attempt lost with its lease counts as one");
    // ... so the first holder's late ack changes nothing, the new holder's succeeds.
    assertEquals(0L, ack(d).toLong());
    assertTrue(stored("m"));
    assertEquals(1L, ack(again).toLong());
    assertFalse(stored("m"));
    assertEquals(0, cmd(Request.cmd(Command.ZCARD).arg(keys.lease(0))).toInteger());
    assertEquals(0, cmd(Request.cmd(Command.EXISTS).arg(keys.retried(0))).toInteger(), "its count went with it");
  }

  private Response ack(Delivery d) {
    return get(scripts.run(LuaScript.ACK_DELIVERED, keys.ackKeys(0),
        List.of(keys.gatePrefix(0), 1L, d.id(), d.leaseToken()))).get(0);
  }

  @Test
  void retryReschedulesAndCancelBeatsALateOutcome() {
    long now = System.currentTimeMillis();
    store("r", now, null);
    Delivery d = get(wheel.claim(0, 10, now)).get(0);
    Response ok = get(scripts.run(LuaScript.SCHEDULE_RETRY, keys.retryKeys(0),
        List.of("r", d.leaseToken(), now + 5_000, 1L, keys.gatePrefix(0), "0", 0L)));
    assertEquals(1L, ok.toLong());
    assertTrue(get(wheel.claim(0, 10, now + 4_999)).isEmpty(), "never early");
    Delivery retried = get(wheel.claim(0, 10, now + 5_000)).get(0);
    assertEquals(1, retried.retried());

    assertEquals(1L, cancel("r").toLong());
    assertEquals(0L, cancel("r").toLong(), "gone");
    assertEquals(0L, ack(retried).toLong(), "an attempt in flight when cancelled writes nothing");
    assertFalse(stored("r"));
    assertEquals(0, cmd(Request.cmd(Command.EXISTS).arg(keys.lease(0))).toInteger(), "the late ack removed the lease");
    assertEquals(0, cmd(Request.cmd(Command.EXISTS).arg(keys.retried(0))).toInteger(), "and the count is gone");
  }

  private Response cancel(String id) {
    return get(scripts.run(LuaScript.CANCEL_MESSAGE, keys.cancelKeys(0), List.of(id, keys.gatePrefix(0))));
  }

  @Test
  void theLeaseOfACancelledMessageWhoseNodeDiedIsDroppedNotRequeued() {
    long now = System.currentTimeMillis();
    store("c", now, null);
    Delivery d = get(wheel.claim(0, 10, now)).get(0);
    assertEquals(1L, cancel("c").toLong());
    assertEquals(1, get(wheel.reap(0, now + 7_000, 100)), "the expired lease is handled");
    assertEquals(0, cmd(Request.cmd(Command.EXISTS).arg(keys.lease(0))).toInteger());
    assertEquals(0, cmd(Request.cmd(Command.EXISTS).arg(keys.due(0))).toInteger(), "nothing back on the wheel");
    assertEquals(0, cmd(Request.cmd(Command.EXISTS).arg(keys.retried(0))).toInteger(), "no count for a cancelled message");
    assertEquals(0L, ack(d).toLong());
  }

  @Test
  void deadLettersKeepTheMessageAndTheLastResponse() {
    long now = System.currentTimeMillis();
    store("d", now, null);
    Delivery d = get(wheel.claim(0, 10, now)).get(0);
    Response moved = get(scripts.run(LuaScript.MOVE_TO_DLQ, keys.deadLetterKeys(0, "1-1"),
        List.of("d", d.leaseToken(), "1-1", now, 3L, now - 1_000, keys.deadLetterPrefix(0), keys.gatePrefix(0), 0L,
            "rstatus", 500L)));
    assertEquals(1L, moved.toLong());
    assertFalse(stored("d"));
    assertEquals(0, cmd(Request.cmd(Command.EXISTS).arg(keys.lease(0))).toInteger());
    Response f = cmd(Request.cmd(Command.HMGET).arg(keys.deadLetter(0, "1-1")).arg("m").arg("rstatus").arg("id"));
    assertEquals("http://x/d", MessageCodec.decode(f.get(0).toBuffer()).url());
    assertEquals("500", f.get(1).toString());
    assertEquals("d", f.get(2).toString());
  }

  @Test
  void dedupReturnsTheOriginalAndStoresNothing() {
    long now = System.currentTimeMillis();
    assertEquals(0L, store("first", now + 60_000, "h1"));
    assertEquals(1L, store("second", now + 60_000, "h1"));
    assertFalse(stored("second"));
    assertEquals("first", cmd(Request.cmd(Command.GET).arg(keys.dedup(0, "h1"))).toString());
    Long ttl = cmd(Request.cmd(Command.PTTL).arg(keys.dedup(0, "h1"))).toLong();
    assertTrue(ttl > 0 && ttl <= 60_000, "the dedup key expires with the window");
  }

  @Test
  void backlogLimitRefusesAndStoresNothing() {
    long now = System.currentTimeMillis();
    store("a", now + 60_000, null);
    Response r = get(scripts.run(LuaScript.STORE_MESSAGES, IngestService.storeKeys(keys, 0),
        List.of(keys.dedupPrefix(0), 0L, 1L, keys.gatePrefix(0), now, "b", now, "", "x", "", "", "c", now, "", "y", "", "")));
    assertEquals(2L, r.get(0).get(0).toLong());
    assertEquals(2L, r.get(1).get(0).toLong(), "each message of a batch is checked");
    assertFalse(stored("b"));
    assertFalse(stored("c"));
    assertTrue(stored("a"));
  }

  @Test
  void scriptsSurviveAScriptFlush() {
    cmd(Request.cmd(Command.SCRIPT).arg("FLUSH"));
    assertEquals(0L, store("after-flush", System.currentTimeMillis(), null), "NOSCRIPT is reloaded transparently");
  }
}
