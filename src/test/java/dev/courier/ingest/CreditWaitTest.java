package dev.courier.ingest;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.model.PublishResult;
import dev.courier.support.Sink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code delivery.direct-wait-ms} on a real Redis: an immediate publish that finds no free credit waits for an attempt
 * to end and is then stored leased and handed over (no wheel, no claim); publishes wait in the order they came; one
 * that waited its bound goes on the wheel; none waits while older messages wait on the wheel.
 */
@ExtendWith(VertxExtension.class)
class CreditWaitTest {
  private DirectIngestFixture f;

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void aPublishWithoutCreditWaitsForAnAttemptToEndThenSkipsTheWheel(Vertx vertx) {
    f = new DirectIngestFixture(vertx, "cw", 1, 10_000);
    get(f.publish("m1"));
    assertTrue(f.leased("m1"), "credit free: stored leased");
    assertEquals(0, f.credit.free());

    List<Future<PublishResult>> both = f.publishInOneTurn("m2", "m3");
    Future<PublishResult> m2 = both.get(0);
    Future<PublishResult> m3 = both.get(1);
    f.settle(); // both publishes reached ingest (one batch), and the batch asked for credit
    // Nothing ends an attempt but the test: while none ends, the publishes cannot be answered (they wait, 10 s).
    assertFalse(m2.isComplete(), "no credit: the batch of m2 and m3 waits for it");
    assertFalse(f.stored("m2"), "a waiting publish is not stored yet");

    f.credit.release(1); // m1's attempt ended
    Sink.waitFor(() -> f.leased("m2"), 5_000, "m2 was not stored leased with the credit m1 gave back");
    assertFalse(f.due("m2"), "not on the wheel");
    assertFalse(f.stored("m3"), "m3 waits for the next credit (the first one was not held for it)");
    assertFalse(m2.isComplete(), "the batch is answered once all of it is stored");

    f.credit.release(1);
    assertEquals("m2", get(m2).messageId());
    assertEquals("m3", get(m3).messageId());
    assertTrue(f.leased("m3"));
    assertFalse(f.due("m3"));
    Sink.waitFor(() -> f.handed.size() == 3, 5_000, "m2 and m3 were not handed over: " + f.handed);
    assertEquals(List.of("m1", "m2", "m3"), f.handed, "handed over in the order they were published");
    assertFalse(f.credit.wheelBehind(), "nothing went on the wheel");
  }

  @Test
  void batchesWaitInTheOrderTheyCame(Vertx vertx) {
    f = new DirectIngestFixture(vertx, "cw", 2, 10_000); // a batch per shard: two batches can wait at once
    get(f.publish("msg_0_a1"));
    assertEquals(0, f.credit.free());
    Future<PublishResult> first = f.publish("msg_1_b1");
    f.settle();
    Future<PublishResult> second = f.publish("msg_0_a2");
    f.settle();
    assertFalse(first.isComplete() || second.isComplete(), "both wait for credit");
    f.credit.release(1);
    get(first);
    assertTrue(f.leased("msg_1_b1"), "the batch that waited longest took the credit");
    assertFalse(second.isComplete(), "the batch that came later waits for the next credit");
    f.credit.release(1);
    get(second);
    assertTrue(f.leased("msg_0_a2"));
    assertFalse(f.due("msg_1_b1") || f.due("msg_0_a2"), "none on the wheel");
  }

  @Test
  void aPublishThatWaitedItsBoundGoesOnTheWheel(Vertx vertx) {
    f = new DirectIngestFixture(vertx, "cw", 1, 200);
    get(f.publish("m1"));
    long started = System.nanoTime();
    get(f.publish("m2"));
    long waitedMs = (System.nanoTime() - started) / 1_000_000;
    assertTrue(waitedMs >= 150, "m2 waited for credit about 200 ms, not " + waitedMs);
    assertTrue(f.due("m2"), "no attempt ended within the wait: on the wheel");
    assertFalse(f.leased("m2"));
    assertTrue(f.credit.wheelBehind(), "the wheel holds an immediate message now");

    // Later publishes queue behind m2 on the wheel at once, without waiting, even with credit free.
    f.credit.release(1);
    started = System.nanoTime();
    get(f.publish("m3"));
    assertTrue(f.due("m3"), "m2 waits on the wheel: m3 goes behind it");
    assertTrue((System.nanoTime() - started) / 1_000_000 < 150, "m3 did not wait");
    assertEquals(1, f.credit.free(), "the credit stays for the wheel's claim of m2");
  }

  @Test
  void withoutAWaitAPublishWithoutCreditGoesOnTheWheelAtOnce(Vertx vertx) {
    f = new DirectIngestFixture(vertx, "cw", 1, 0);
    get(f.publish("m1"));
    get(f.publish("m2"));
    assertTrue(f.due("m2"));
    assertTrue(f.credit.wheelBehind());
  }
}
