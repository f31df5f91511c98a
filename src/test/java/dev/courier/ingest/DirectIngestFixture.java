package dev.courier.ingest;

import static dev.courier.support.TestNode.get;

import dev.courier.bus.LocalCodec;
import dev.courier.dispatch.DeliveryBatch;
import dev.courier.dispatch.DirectDispatch;
import dev.courier.dispatch.DispatchCredit;
import dev.courier.dispatch.Handoff;
import dev.courier.dispatch.LeaseTokens;
import dev.courier.model.PublishResult;
import dev.courier.redis.Keys;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import dev.courier.support.TestIngest;
import dev.courier.support.TestRedis;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link IngestService} that hands immediate messages over directly, on a real Redis, with one delivery credit:
 * what it stored where (wheel, lease set), what it handed to the dispatcher, and how often it woke the wheel.
 */
final class DirectIngestFixture {
  final RedisConnector redis;
  final Keys keys;
  final DispatchCredit credit = new DispatchCredit(1);
  final Context context;
  final IngestService ingest;
  /** Ids handed to the dispatcher, in order. */
  final List<String> handed = new CopyOnWriteArrayList<>();
  final AtomicInteger wakes = new AtomicInteger();

  /** @param creditWaitMs delivery.direct-wait-ms (0: a publish without credit goes on the wheel at once) */
  DirectIngestFixture(Vertx vertx, String prefix, int shards, long creditWaitMs) {
    redis = new RedisConnector(vertx, TestRedis.url());
    ScriptRunner scripts = new ScriptRunner(redis);
    get(scripts.loadAll());
    keys = new Keys(prefix + UUID.randomUUID().toString().substring(0, 8), shards);
    vertx.eventBus().registerDefaultCodec(DeliveryBatch.class, new LocalCodec<>(DeliveryBatch.class));
    Handoff handoff = new Handoff(vertx, 1, "node");
    get(vertx.eventBus().<DeliveryBatch>localConsumer(handoff.address(),
        m -> m.body().deliveries().forEach(d -> handed.add(d.id()))).completion());
    var direct = new DirectDispatch(credit, new LeaseTokens("node"), handoff, 10_000, creditWaitMs);
    context = vertx.getOrCreateContext();
    ingest = new IngestService(context, scripts, keys, 60_000, 0, wakes::incrementAndGet, direct);
  }

  void close() {
    get(redis.close());
  }

  /** Starts an immediate publish of {@code id} on the service's event loop; completes with Redis's answer. */
  Future<PublishResult> publish(String id) {
    return TestIngest.publish(context, ingest, id);
  }

  /** Immediate publishes of {@code ids} started in one turn of the event loop: one batch. */
  List<Future<PublishResult>> publishInOneTurn(String... ids) {
    return TestIngest.publishInOneTurn(context, ingest, ids);
  }

  /** Publishes {@code id} and waits for Redis's answer. */
  PublishResult publishNow(String id) {
    return TestIngest.publishNow(context, ingest, id);
  }

  /** Runs the service's event loop past what was queued on it so far (the publish, then its batch's flush). */
  void settle() {
    for (int i = 0; i < 3; i++) {
      Promise<Void> turn = Promise.promise();
      context.runOnContext(v -> turn.complete());
      get(turn.future());
    }
  }

  boolean stored(String id) {
    return get(redis.send(Request.cmd(Command.HGET).arg(keys.messages(keys.shardOf(id))).arg(id))) != null;
  }

  /** On the wheel. */
  boolean due(String id) {
    return get(redis.send(Request.cmd(Command.ZSCORE).arg(keys.due(keys.shardOf(id))).arg(id))) != null;
  }

  /** Stored leased: the lease set names the message in its member. */
  boolean leased(String id) {
    Response members = get(redis.send(Request.cmd(Command.ZRANGE).arg(keys.lease(keys.shardOf(id))).arg(0).arg(-1)));
    for (Response m : members) {
      if (Keys.leasedId(m.toString()).equals(id)) {
        return true;
      }
    }
    return false;
  }
}
