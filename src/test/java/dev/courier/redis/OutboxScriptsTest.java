package dev.courier.redis;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.dispatch.Delivery;
import dev.courier.eventlog.EventBatch;
import dev.courier.eventlog.LoggedEvent;
import dev.courier.eventlog.Outbox;
import dev.courier.eventlog.OutboxDecoder;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The event log's outbox as the scripts write it (lua/includes/events.lua) and a writer reads it: each state
 * change is recorded by the script that makes it, once, and only when it happened.
 */
@ExtendWith(VertxExtension.class)
class OutboxScriptsTest {
  private GateFixture f;

  @AfterEach
  void tearDown() {
    if (f != null) {
      f.close();
    }
  }

  private Outbox outbox(String consumer) {
    return new Outbox(f.redis, f.keys, consumer);
  }

  /** What a writer reads now: every new event, in order. */
  private List<LoggedEvent> read(Outbox reader) {
    List<Outbox.Entry> entries = get(reader.readNew(0, 1000));
    EventBatch batch = OutboxDecoder.decode(0, entries, false);
    get(reader.ack(0, entries.stream().map(Outbox.Entry::id).toList()));
    return batch.events();
  }

  private static List<String> states(List<LoggedEvent> events) {
    return events.stream().map(e -> e.state() + " " + e.messageId()).toList();
  }

  @Test
  void aMessagesLifeIsRecordedByTheScriptsThatChangeIt(Vertx vertx) {
    f = new GateFixture(vertx, "outbox", true);
    Outbox reader = outbox("w1");
    get(reader.createGroups());
    long now = System.currentTimeMillis();
    f.store((String) null, "m1", now);
    f.store("q:a", "m2", now);
    List<Outbox.Entry> created = get(reader.readNew(0, 10));
    EventBatch batch = OutboxDecoder.decode(0, created, false);
    assertEquals(List.of("CREATED m1", "CREATED m2"), states(batch.events()));
    assertEquals("http://x/m1", batch.messages().get(0).url());
    assertEquals("a", batch.messages().get(1).queueName());
    assertEquals(List.of(), get(reader.readNew(0, 10)), "each entry is read once");
    get(reader.ack(0, created.stream().map(Outbox.Entry::id).toList()));

    List<Delivery> claimed = f.claimDeliveries(10);
    assertEquals(List.of("ACTIVE m1", "ACTIVE m2"), states(read(reader)).stream().sorted().toList());
    Delivery m1 = claimed.stream().filter(d -> d.id().equals("m1")).findFirst().orElseThrow();
    Delivery m2 = claimed.stream().filter(d -> d.id().equals("m2")).findFirst().orElseThrow();

    // a fenced-off ack records nothing; the real one records DELIVERED
    get(f.scripts.run(LuaScript.ACK_DELIVERED, f.keys.ackKeys(0), List.of(f.keys.gatePrefix(0), 1L, "m1", "stale")));
    assertEquals(List.of(), read(reader));
    assertEquals(1L, f.ack(m1));
    assertEquals(List.of("DELIVERED m1"), states(read(reader)));

    // a failed attempt: ERROR with the response, then RETRY with the next delivery time
    assertEquals(1L, get(f.scripts.run(LuaScript.SCHEDULE_RETRY, f.keys.retryKeys(0), List.of("m2", m2.leaseToken(),
        now + 5_000, 1L, f.keys.gatePrefix(0), "0", 0L, "rstatus", 503L, "rhdr", "", "rbody", "busy"))).toLong());
    List<LoggedEvent> failed = read(reader);
    assertEquals(List.of("ERROR m2", "RETRY m2"), states(failed));
    assertEquals(503, failed.get(0).responseStatus());
    assertEquals("YnVzeQ==", failed.get(0).responseBodyBase64());
    assertEquals(now + 5_000, failed.get(1).nextDeliveryTime());
    assertNull(failed.get(1).responseStatus());

    assertEquals(1L, f.cancel("m2"));
    assertEquals(List.of("CANCEL_REQUESTED m2", "CANCELED m2"), states(read(reader)));
    assertEquals(0L, f.cancel("m2"));
    assertEquals(List.of(), read(reader), "a cancel that finds nothing records nothing");
    assertEquals(0L, f.cmd(Request.cmd(Command.XLEN).arg(f.keys.events(0))).toLong(), "confirmed entries are deleted");
  }

  @Test
  void entriesAReaderLeftUnconfirmedAreTakenOverWithTheSameKeys(Vertx vertx) {
    f = new GateFixture(vertx, "outbox", true);
    Outbox dead = outbox("dead-node");
    get(dead.createGroups());
    f.store((String) null, "m1", System.currentTimeMillis());
    List<Outbox.Entry> taken = get(dead.readNew(0, 10));
    assertEquals(1, taken.size());
    Outbox other = outbox("other-node");
    assertEquals(List.of(), get(other.readNew(0, 10)), "pending with its reader, not new");
    Outbox.Claimed claimed = get(other.claimStale(0, 0, 10, "0-0"));
    assertEquals(List.of(taken.get(0).id()), claimed.entries().stream().map(Outbox.Entry::id).toList());
    assertEquals(OutboxDecoder.decode(0, taken, false).events().get(0).key(),
        OutboxDecoder.decode(0, claimed.entries(), true).events().get(0).key(), "a replay has the same key");
    long[] backlog = get(other.backlog(0));
    assertEquals(1L, backlog[0]);
    assertTrue(backlog[1] > 0);
    get(other.ack(0, List.of(taken.get(0).id())));
    assertEquals(0L, get(other.backlog(0))[0]);
  }

  /**
   * Confirming trims the stream, but never past an entry another writer read and has not confirmed: that one must
   * stay for its take-over, and so must what was confirmed after it until it is.
   */
  @Test
  void confirmingTrimsOnlyBelowTheOldestEntryStillUnconfirmed(Vertx vertx) {
    f = new GateFixture(vertx, "trim", true);
    Outbox slow = outbox("slow-node");
    Outbox quick = outbox("quick-node");
    get(slow.createGroups());
    long now = System.currentTimeMillis();
    f.store((String) null, "m1", now);
    List<Outbox.Entry> first = get(slow.readNew(0, 10));
    f.store((String) null, "m2", now);
    f.store((String) null, "m3", now);
    List<Outbox.Entry> later = get(quick.readNew(0, 10));
    assertEquals(2, later.size());
    get(quick.ack(0, later.stream().map(Outbox.Entry::id).toList()));
    assertEquals(3L, xlen(), "m1's entry is unconfirmed: nothing after it is trimmed either");

    Outbox.Claimed claimed = get(quick.claimStale(0, 0, 10, "0-0"));
    assertEquals(List.of("CREATED m1"), states(OutboxDecoder.decode(0, claimed.entries(), true).events()),
        "the unconfirmed entry is whole for its take-over");
    get(quick.ack(0, List.of(first.get(0).id())));
    assertEquals(0L, xlen(), "all confirmed: all trimmed");

    f.store((String) null, "m4", now);
    assertEquals(1L, xlen());
    get(quick.ack(0, List.of(first.get(0).id()))); // a confirmation twice (a retried checkpoint)
    assertEquals(1L, xlen(), "an entry no writer has read yet stays");
    assertEquals(List.of("CREATED m4"), states(read(slow)));
    assertEquals(0L, xlen());
  }

  private long xlen() {
    return f.cmd(Request.cmd(Command.XLEN).arg(f.keys.events(0))).toLong();
  }

  @Test
  void withTheEventLogOffNothingIsRecorded(Vertx vertx) {
    f = new GateFixture(vertx, "quiet", false);
    f.store((String) null, "m1", System.currentTimeMillis());
    Delivery d = f.claimDeliveries(1).get(0);
    assertEquals(1L, f.ack(d));
    assertEquals(0L, f.cmd(Request.cmd(Command.EXISTS).arg(f.keys.events(0))).toLong());
  }
}
