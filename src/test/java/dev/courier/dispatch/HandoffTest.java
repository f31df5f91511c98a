package dev.courier.dispatch;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.bus.LocalCodec;
import dev.courier.model.StoredMessage;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node's claims reach only that node's dispatchers, also with two nodes on one Vertx: a delivery carries
 * its node's lease token and was paid for with its node's credit.
 */
@ExtendWith(VertxExtension.class)
class HandoffTest {

  @Test
  void spreadReachesOnlyTheDispatchersOfItsOwnNode(Vertx vertx) throws Exception {
    vertx.eventBus().registerDefaultCodec(DeliveryBatch.class, new LocalCodec<>(DeliveryBatch.class));
    Handoff a = new Handoff(vertx, 2, "node-a");
    Handoff b = new Handoff(vertx, 2, "node-b");
    List<String> atA = new CopyOnWriteArrayList<>();
    List<String> atB = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 2; i++) { // two dispatchers each, as on a two-core node
      get(vertx.eventBus().<DeliveryBatch>localConsumer(a.address(),
          m -> m.body().deliveries().forEach(d -> atA.add(d.id()))).completion());
      get(vertx.eventBus().<DeliveryBatch>localConsumer(b.address(),
          m -> m.body().deliveries().forEach(d -> atB.add(d.id()))).completion());
    }
    List<Delivery> batch = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      batch.add(new Delivery(0, "msg_" + i, message(), 0, "node-a:" + i, 0));
    }
    a.spread(batch);
    for (int i = 0; i < 100 && atA.size() < 8; i++) {
      Thread.sleep(20);
    }
    Thread.sleep(100); // anything misrouted would have arrived by now
    assertEquals(8, atA.size(), "node a's dispatchers got its claims");
    assertEquals(List.of(), atB, "node b's dispatchers got none of them");
  }

  private static StoredMessage message() {
    return new StoredMessage("http://127.0.0.1:9/x", "POST", "", 3, null, 30_000, 0, 0, null, List.of(),
        Buffer.buffer("{}"));
  }
}
