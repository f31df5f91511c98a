package dev.courier.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
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
  private DirectIngestFixture f;

  @BeforeEach
  void setUp(Vertx vertx) {
    f = new DirectIngestFixture(vertx, "di", 1, 0);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void afterTheWheelFellBehindImmediateMessagesWaitTheirTurnUntilItCaughtUp() {
    f.publishNow("m1");
    assertTrue(f.leased("m1"), "credit free, wheel empty: stored leased");
    assertFalse(f.due("m1"));
    Sink.waitFor(() -> f.handed.contains("m1"), 5_000, "m1 was not handed to a dispatcher");

    f.publishNow("m2");
    assertTrue(f.due("m2"), "no credit left: on the wheel");
    assertTrue(f.credit.wheelBehind());
    assertTrue(f.wakes.get() > 0, "the wheel was woken for it");

    f.credit.release(1); // m1's attempt is over
    f.publishNow("m3");
    assertTrue(f.due("m3"), "credit is free, but m2 waits on the wheel: m3 queues behind it");
    assertFalse(f.leased("m3"));

    f.credit.wheelCaughtUp();
    f.publishNow("m4");
    assertTrue(f.leased("m4"), "the wheel caught up: direct again");
    Sink.waitFor(() -> f.handed.contains("m4"), 5_000, "m4 was not handed to a dispatcher");
    assertEquals(List.of("m1", "m4"), f.handed, "only leased messages are handed over by ingest");
    for (String id : List.of("m1", "m2", "m3", "m4")) {
      assertTrue(f.stored(id), id + " is stored");
    }
  }
}
