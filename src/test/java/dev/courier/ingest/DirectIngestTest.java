package dev.courier.ingest;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.bus.LocalCodec;
import dev.courier.dispatch.DeliveryBatch;
import dev.courier.dispatch.DirectDispatch;
import dev.courier.dispatch.DispatchCredit;
import dev.courier.dispatch.Handoff;
import dev.courier.dispatch.LeaseTokens;
import dev.courier.redis.Keys;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import dev.courier.support.Sink;
import dev.courier.support.TestIngest;
import dev.courier.support.TestRedis;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ingest's direct hand-over on a real Redis: an immediate message is stored leased and handed over only
 * while there is credit and nothing waits on the wheel; once the wheel fell behind, newer messages queue
 * behind the older ones until the wheel caught up (credit goes to those that waited longest).
 */
@ExtendWith(VertxExtension.class)
class DirectIngestTest {
  private RedisConnector redis;
  private Keys keys;
  private DispatchCredit credit;
  private IngestService ingest;
  private Context context;
  private final List<String> handed = new CopyOnWriteArrayList<>();
  private final AtomicInteger wakes = new AtomicInteger();

  @BeforeEach
  void setUp(Vertx vertx) {
    redis = new RedisConnector(vertx, TestRedis.url());
    ScriptRunner scripts = new ScriptRunner(redis);
    get(scripts.loadAll());
    keys = new Keys("di" + UUID.randomUUID().toString().substring(0, 8), 1);
    vertx.eventBus().registerDefaultCodec(DeliveryBatch.class, new LocalCodec<>(DeliveryBatch.class));
    Handoff handoff = new Handoff(vertx, 1, "node");
    get(vertx.eventBus().<DeliveryBatch>localConsumer(handoff.address(),
        m -> m.body().deliveries().forEach(d -> handed.add(d.id()))).completion());
    credit = new DispatchCredit(1);
    var direct = new DirectDispatch(credit, new LeaseTokens("node"), handoff, 1_000);
    context = vertx.getOrCreateContext();
    ingest = new IngestService(context, scripts, keys, 60_000, 0, wakes::incrementAndGet, direct);
  }

  @AfterEach
  void tearDown() {
    get(redis.close());
  }

  private void publish(String id) {
    TestIngest.publishNow(context, ingest, id);
  }

  /** On the wheel ("due") or leased ("lease": the lease set names the message in its member). */
  private boolean in(String set, String id) {
    if (set.equals("due")) {
      return get(redis.send(Request.cmd(Command.ZSCORE).arg(keys.due(0)).arg(id))) != null;
    }
    Response members = get(redis.send(Request.cmd(Command.ZRANGE).arg(keys.lease(0)).arg(0).arg(-1)));
    for (Response m : members) {
      if (Keys.leasedId(m.toString()).equals(id)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void afterTheWheelFellBehindImmediateMessagesWaitTheirTurnUntilItCaughtUp() {
    publish("m1");
    assertTrue(in("lease", "m1"), "credit free, wheel empty: stored leased");
    assertFalse(in("due", "m1"));
    Sink.waitFor(() -> handed.contains("m1"), 5_000, "m1 was not handed to a dispatcher");

    publish("m2");
    assertTrue(in("due", "m2"), "no credit left: on the wheel");
    assertTrue(credit.wheelBehind());
    assertTrue(wakes.get() > 0, "the wheel was woken for it");

    credit.release(1); // m1's attempt is over
    publish("m3");
    assertTrue(in("due", "m3"), "credit is free, but m2 waits on the wheel: m3 queues behind it");
    assertFalse(in("lease", "m3"));

    credit.wheelCaughtUp();
    publish("m4");
    assertTrue(in("lease", "m4"), "the wheel caught up: direct again");
    Sink.waitFor(() -> handed.contains("m4"), 5_000, "m4 was not handed to a dispatcher");
    assertEquals(List.of("m1", "m4"), handed, "only leased messages are handed over by ingest");
    for (String id : List.of("m1", "m2", "m3", "m4")) {
      assertNotNull(get(redis.send(Request.cmd(Command.HGET).arg(keys.messages(0)).arg(id))), id + " is stored");
    }
  }
}
