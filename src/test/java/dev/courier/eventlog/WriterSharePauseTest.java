package dev.courier.eventlog;

import static dev.courier.eventlog.EventLogVerticle.sharePause;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The writer's pause after a batch: its share of a core while the node delivers, bounded by the lag. */
class WriterSharePauseTest {
  private static final long TOOK = 20_000_000; // a batch that took 20 ms

  @Test
  void aWriterWithinHalfTheLagKeepsToItsShare() {
    assertEquals(180, sharePause(TOOK, 200, 10, 0, 3_000), "10 %: 9 × 20 ms");
    assertEquals(60, sharePause(TOOK, 200, 25, 1_500, 3_000), "25 %: 3 × 20 ms, up to half the bound");
  }

  @Test
  void pastHalfTheLagThePauseShrinksAndPastAllOfItThereIsNone() {
    long at2s = sharePause(TOOK, 200, 10, 2_000, 3_000);
    long at25s = sharePause(TOOK, 200, 10, 2_500, 3_000);
    assertEquals(120, at2s, "two thirds of the way from the bound");
    assertEquals(60, at25s);
    assertTrue(at25s < at2s);
    assertEquals(0, sharePause(TOOK, 200, 10, 3_000, 3_000));
    assertEquals(0, sharePause(TOOK, 200, 10, 60_000, 3_000));
  }

  @Test
  void noBoundLeavesTheShareAloneAndNoLimitOrNothingWrittenNeverPauses() {
    assertEquals(180, sharePause(TOOK, 200, 10, 60_000, 0), "max-lag 0s: the share alone");
    assertEquals(0, sharePause(TOOK, 200, 100, 0, 3_000), "share 100: no limit");
    assertEquals(0, sharePause(TOOK, 0, 10, 0, 3_000), "an empty read");
    assertEquals(EventLogVerticle.MAX_BACKOFF_MS, sharePause(10_000_000_000L, 200, 1, 0, 3_000), "bounded");
  }
}
