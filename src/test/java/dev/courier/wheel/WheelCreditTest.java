package dev.courier.wheel;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.bus.LocalCodec;
import dev.courier.config.AppConfig;
import dev.courier.config.ConfigLoader;
import dev.courier.dispatch.DeliveryBatch;
import dev.courier.dispatch.DispatchCredit;
import dev.courier.dispatch.Handoff;
import dev.courier.dispatch.LeaseTokens;
import dev.courier.ingest.IngestService;
import dev.courier.redis.Keys;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.support.TestIngest;
import dev.courier.support.TestRedis;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The wheel and direct dispatch share the node's delivery credit. The wheel must not sit on credit it has no
 * use for (an idle tick holds none, a claim only as much as is due: it used to take a whole batch, half the
 * default credit, every 10 ms), and once ingest yielded to it, it must hand direct dispatch back only when
 * nothing due is left waiting.
 */
@ExtendWith(VertxExtension.class)
class WheelCreditTest {
  private String prefix;
  private Keys keys;
  private RedisConnector redis;
  private IngestService ingest;
  private Context context;
  private Handoff handoff;
  private final List<String> handed = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    prefix = "wc" + UUID.randomUUID().toString().substring(0, 8);
    keys = new Keys(prefix, 1);
    vertx.eventBus().registerDefaultCodec(DeliveryBatch.class, new LocalCodec<>(DeliveryBatch.class));
    // A dispatcher that never finishes: the credit of what it was handed stays taken.
    handoff = new Handoff(vertx, 1, "wc");
    get(vertx.eventBus().<DeliveryBatch>localConsumer(handoff.address(),
        m -> m.body().deliveries().forEach(d -> handed.add(d.id()))).completion());
    redis = new RedisConnector(vertx, TestRedis.url());
    ScriptRunner scripts = new ScriptRunner(redis);
    get(scripts.loadAll());
    context = vertx.getOrCreateContext();
    ingest = new IngestService(context, scripts, keys, 60_000, 0, () -> {}, null); // everything on the wheel
  }

  @AfterEach
  void tearDown() {
    get(redis.close());
  }

  private void startWheel(Vertx vertx, DispatchCredit credit) {
    AppConfig config = ConfigLoader.load(TestNode.env(TestRedis.url(), prefix), null, false);
    get(vertx.deployVerticle(new WheelVerticle(config, keys, credit, new Wakeup(), new LeaseTokens("n"),
        handoff)));
  }

  @Test
  void theWheelHoldsCreditOnlyForWhatIsDue(Vertx vertx) {
    DispatchCredit credit = new DispatchCredit(10);
    startWheel(vertx, credit);
    assertEquals(10, lowestFree(credit, 500), "an idle wheel (some 50 ticks) held delivery credit");

    for (String id : List.of("a", "b", "c")) {
      publish(id);
    }
    assertEquals(7, lowestFree(credit, 500), "a claim of 3 due messages held more than 3 credits");
    Sink.waitFor(() -> handed.size() == 3, 5_000, "the due messages were not claimed");
    assertEquals(7, credit.free(), "the 3 handed over keep their credit until their outcome");
  }

  @Test
  void directDispatchComesBackOnlyOnceNothingDueIsLeftWaiting(Vertx vertx) throws Exception {
    DispatchCredit credit = new DispatchCredit(2);
    for (String id : List.of("a", "b", "c")) {
      publish(id);
    }
    credit.wheelFellBehind(); // as ingest does when it puts an immediate message on the wheel
    startWheel(vertx, credit);
    Sink.waitFor(() -> handed.size() == 2, 5_000, "the wheel did not claim what it had credit for");
    Thread.sleep(100); // some ten ticks
    assertTrue(credit.wheelBehind(), "one message is still due: ingest must keep queueing behind it");

    credit.release(2); // the two attempts are over
    Sink.waitFor(() -> handed.size() == 3, 5_000, "the wheel did not claim the last one once credit came back");
    Sink.waitFor(() -> !credit.wheelBehind(), 5_000, "the wheel caught up but did not hand direct dispatch back");
  }

  /** The least free credit seen while polling it as fast as this thread can for {@code ms}. */
  private static int lowestFree(DispatchCredit credit, long ms) {
    int lowest = Integer.MAX_VALUE;
    long until = System.nanoTime() + ms * 1_000_000;
    while (System.nanoTime() < until) {
      lowest = Math.min(lowest, credit.free());
    }
    return lowest;
  }

  private void publish(String id) {
    TestIngest.publishNow(context, ingest, id);
  }
}
