package dev.courier.ingest;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.bus.LocalCodec;
import dev.courier.dispatch.DeliveryBatch;
import dev.courier.dispatch.DirectDispatch;
import dev.courier.dispatch.DispatchCredit;
import dev.courier.dispatch.Handoff;
import dev.courier.dispatch.LeaseTokens;
import dev.courier.model.NewMessage;
import dev.courier.model.PublishResult;
import dev.courier.redis.Keys;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import dev.courier.support.Sink;
import dev.courier.support.TestRedis;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
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
  private RedisConnector redis;
  private Keys keys;
  private DispatchCredit credit;
  private IngestService ingest;
  private Context context;
  private final List<String> handed = new CopyOnWriteArrayList<>();

  private void start(Vertx vertx, long waitMs) {
    start(vertx, waitMs, 1);
  }

  private void start(Vertx vertx, long waitMs, int shards) {
    redis = new RedisConnector(vertx, TestRedis.url());
    ScriptRunner scripts = new ScriptRunner(redis);
    get(scripts.loadAll());
    keys = new Keys("cw" + UUID.randomUUID().toString().substring(0, 8), shards);
    vertx.eventBus().registerDefaultCodec(DeliveryBatch.class, new LocalCodec<>(DeliveryBatch.class));
    Handoff handoff = new Handoff(vertx, 1, "node");
    get(vertx.eventBus().<DeliveryBatch>localConsumer(handoff.address(),
        m -> m.body().deliveries().forEach(d -> handed.add(d.id()))).completion());
    credit = new DispatchCredit(1);
    var direct = new DirectDispatch(credit, new LeaseTokens("node"), handoff, 10_000, waitMs);
    context = vertx.getOrCreateContext();
    ingest = new IngestService(context, scripts, keys, 60_000, 0, () -> {}, direct);
  }

  @AfterEach
  void tearDown() {
    get(redis.close());
  }

  /** Starts an immediate publish of {@code id} on the service's event loop; completes with Redis's answer. */
  private Future<PublishResult> publish(String id) {
    long now = System.currentTimeMillis();
    NewMessage m = new NewMessage(id, "http://127.0.0.1:9/x", "POST", "", Buffer.buffer("b"), 3, null, 5_000, now, now,
        null, List.of(), null);
    Promise<PublishResult> done = Promise.promise();
    context.runOnContext(v -> ingest.publish(m).onComplete(done));
    return done.future();
  }

  /** Runs the service's event loop past what was queued on it so far (the publish, then its batch's flush). */
  private void settle() {
    for (int i = 0; i < 3; i++) {
      Promise<Void> turn = Promise.promise();
      context.runOnContext(v -> turn.complete());
      get(turn.future());
    }
  }

  private boolean stored(String id) {
    return get(redis.send(Request.cmd(Command.HGET).arg(keys.messages(keys.shardOf(id))).arg(id))) != null;
  }

  private boolean due(String id) {
    return get(redis.send(Request.cmd(Command.ZSCORE).arg(keys.due(keys.shardOf(id))).arg(id))) != null;
  }

  private boolean leased(String id) {
    Response members = get(redis.send(Request.cmd(Command.ZRANGE).arg(keys.lease(keys.shardOf(id))).arg(0).arg(-1)));
    for (Response m : members) {
      if (Keys.leasedId(m.toString()).equals(id)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void aPublishWithoutCreditWaitsForAnAttemptToEndThenSkipsTheWheel(Vertx vertx) {
    start(vertx, 10_000);
    get(publish("m1"));
    assertTrue(leased("m1"), "credit free: stored leased");
    assertEquals(0, credit.free());

    Future<PublishResult> m2 = publish("m2");
    Future<PublishResult> m3 = publish("m3");
    settle(); // both publishes reached ingest (one batch), and the batch asked for credit
    // Nothing ends an attempt but the test: while none ends, the publishes cannot be answered (they wait, 10 s).
    assertFalse(m2.isComplete(), "no credit: the batch of m2 and m3 waits for it");
    assertFalse(stored("m2"), "a waiting publish is not stored yet");

    credit.release(1); // m1's attempt ended
    Sink.waitFor(() -> leased("m2"), 5_000, "m2 was not stored leased with the credit m1 gave back");
    assertFalse(due("m2"), "not on the wheel");
    assertFalse(stored("m3"), "m3 waits for the next credit (the first one was not held for it)");
    assertFalse(m2.isComplete(), "the batch is answered once all of it is stored");

    credit.release(1);
    assertEquals("m2", get(m2).messageId());
    assertEquals("m3", get(m3).messageId());
    assertTrue(leased("m3"));
    assertFalse(due("m3"));
    Sink.waitFor(() -> handed.size() == 3, 5_000, "m2 and m3 were not handed over: " + handed);
    assertEquals(List.of("m1", "m2", "m3"), handed, "handed over in the order they were published");
    assertFalse(credit.wheelBehind(), "nothing went on the wheel");
  }

  @Test
  void batchesWaitInTheOrderTheyCame(Vertx vertx) {
    start(vertx, 10_000, 2); // a batch per shard: two batches can wait at once
    get(publish("msg_0_a1"));
    assertEquals(0, credit.free());
    Future<PublishResult> first = publish("msg_1_b1");
    settle();
    Future<PublishResult> second = publish("msg_0_a2");
    settle();
    assertFalse(first.isComplete() || second.isComplete(), "both wait for credit");
    credit.release(1);
    get(first);
    assertTrue(leased("msg_1_b1"), "the batch that waited longest took the credit");
    assertFalse(second.isComplete(), "the batch that came later waits for the next credit");
    credit.release(1);
    get(second);
    assertTrue(leased("msg_0_a2"));
    assertFalse(due("msg_1_b1") || due("msg_0_a2"), "none on the wheel");
  }

  @Test
  void aPublishThatWaitedItsBoundGoesOnTheWheel(Vertx vertx) {
    start(vertx, 200);
    get(publish("m1"));
    long started = System.nanoTime();
    get(publish("m2"));
    long waitedMs = (System.nanoTime() - started) / 1_000_000;
    assertTrue(waitedMs >= 150, "m2 waited for credit about 200 ms, not " + waitedMs);
    assertTrue(due("m2"), "no attempt ended within the wait: on the wheel");
    assertFalse(leased("m2"));
    assertTrue(credit.wheelBehind(), "the wheel holds an immediate message now");

    // Later publishes queue behind m2 on the wheel at once, without waiting, even with credit free.
    credit.release(1);
    started = System.nanoTime();
    get(publish("m3"));
    assertTrue(due("m3"), "m2 waits on the wheel: m3 goes behind it");
    assertTrue((System.nanoTime() - started) / 1_000_000 < 150, "m3 did not wait");
    assertEquals(1, credit.free(), "the credit stays for the wheel's claim of m2");
  }

  @Test
  void withoutAWaitAPublishWithoutCreditGoesOnTheWheelAtOnce(Vertx vertx) {
    start(vertx, 0);
    get(publish("m1"));
    get(publish("m2"));
    assertTrue(due("m2"));
    assertTrue(credit.wheelBehind());
  }
}
