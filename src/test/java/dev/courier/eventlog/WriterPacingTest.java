package dev.courier.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * When the writer keeps to its share: only while the node delivers and the machine is busy; an unknown load holds
 * it to the share as before; the load is read at most every {@link WriterPacing#READ_EVERY_MS} ms.
 */
class WriterPacingTest {
  private double load;
  private long now = 1_000_000;
  private final AtomicInteger reads = new AtomicInteger();

  private WriterPacing pacing(boolean delivering, int busyCpuPercent) {
    return new WriterPacing(() -> delivering, busyCpuPercent, () -> {
      reads.incrementAndGet();
      return load;
    }, () -> now);
  }

  @Test
  void aBusyMachineThatDeliversHoldsTheWriterToItsShare() {
    load = 0.95;
    assertTrue(pacing(true, 80).getAsBoolean());
  }

  @Test
  void cpuToSpareLetsTheWriterStoreAtFullSpeed() {
    load = 0.5;
    assertFalse(pacing(true, 80).getAsBoolean());
  }

  @Test
  void aNodeThatDeliversNothingNeverHoldsItBack() {
    load = 1.0;
    assertFalse(pacing(false, 80).getAsBoolean());
    assertEquals(0, reads.get(), "no load read for an idle node");
  }

  @Test
  void zeroPercentIsTheShareWheneverTheNodeDelivers() {
    load = 0.1;
    assertTrue(pacing(true, 0).getAsBoolean());
  }

  @Test
  void anUnknownLoadHoldsTheWriterToItsShare() {
    load = -1;
    assertTrue(pacing(true, 80).getAsBoolean());
    load = Double.NaN;
    assertTrue(pacing(true, 80).getAsBoolean());
  }

  @Test
  void theLoadIsReadAtMostEveryInterval() {
    WriterPacing p = pacing(true, 80);
    load = 0.9;
    assertTrue(p.getAsBoolean());
    load = 0.2;
    now += WriterPacing.READ_EVERY_MS - 1;
    assertTrue(p.getAsBoolean(), "the last reading stands within the interval");
    assertEquals(1, reads.get());
    now += 1;
    assertFalse(p.getAsBoolean(), "a new reading after it");
    assertEquals(2, reads.get());
  }
}
