package dev.courier.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * When the writer keeps to its share: only while the node delivers and the machine is busy; an unknown load holds
 * it to the share as before; the load is read at most every {@link WriterPacing#READ_EVERY_MS} ms.
 */
class WriterPacingTest {
  private double load;
  private double demand;
  private long now = 1_000_000;
  private final AtomicInteger reads = new AtomicInteger();
  private final AtomicInteger demandReads = new AtomicInteger();

  private WriterPacing pacing(boolean delivering, int busyCpuPercent) {
    return pacing(delivering, busyCpuPercent, 0);
  }

  private WriterPacing pacing(boolean delivering, int busyCpuPercent, int busyLoopsPercent) {
    return new WriterPacing(() -> delivering, busyCpuPercent, busyLoopsPercent, () -> {
      reads.incrementAndGet();
      return load;
    }, () -> {
      demandReads.incrementAndGet();
      return demand;
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
    demand = 0.1;
    assertTrue(pacing(true, 0, 0).getAsBoolean());
    assertEquals(0, reads.get() + demandReads.get(), "neither signal read when neither is set");
  }

  @Test
  void busyLoopsHoldTheWriterToItsShareWhateverTheMachineReads() {
    demand = 0.9;
    load = 0.1;
    assertTrue(pacing(true, 0, 70).getAsBoolean());
    assertEquals(0, reads.get(), "the machine's load is not read when only the loops' demand is set");
  }

  @Test
  void loopsWithTimeToSpareLetTheWriterStoreAtFullSpeedFromTheSecondCalmReading() {
    demand = 0.3;
    WriterPacing p = pacing(true, 0, 70);
    assertTrue(p.getAsBoolean(), "one calm reading is not enough");
    now += WriterPacing.LOOPS_EVERY_MS - 1;
    assertTrue(p.getAsBoolean(), "the reading stands within the interval");
    assertEquals(1, demandReads.get());
    now += 1;
    assertFalse(p.getAsBoolean(), "two calm readings in a row");
    assertEquals(2, demandReads.get());
  }

  @Test
  void afterAnIdleStretchTheFirstReadingAloneDoesNotFreeTheWriter() {
    AtomicBoolean delivering = new AtomicBoolean(true);
    WriterPacing p = new WriterPacing(delivering::get, 0, 70, () -> load, () -> demand, () -> now);
    demand = 0.3;
    calmTwice(p);
    assertFalse(p.getAsBoolean(), "calm twice");
    delivering.set(false);
    now += 60_000;
    assertFalse(p.getAsBoolean(), "idle: nothing to hold back");
    delivering.set(true);
    demand = 0.1; // the idle minute's average
    assertTrue(p.getAsBoolean(), "the reading over the idle stretch is not enough");
    demand = 0.3;
    now += WriterPacing.LOOPS_EVERY_MS;
    assertFalse(p.getAsBoolean(), "a calm second after it is");
  }

  @Test
  void oneBusyReadingHoldsTheWriterForTwoIntervals() {
    WriterPacing p = pacing(true, 0, 70);
    demand = 0.3;
    p.getAsBoolean();
    now += WriterPacing.LOOPS_EVERY_MS;
    assertFalse(p.getAsBoolean());
    demand = 0.9;
    now += WriterPacing.LOOPS_EVERY_MS;
    assertTrue(p.getAsBoolean(), "busy now");
    demand = 0.3;
    now += WriterPacing.LOOPS_EVERY_MS;
    assertTrue(p.getAsBoolean(), "calm now, busy the reading before");
    now += WriterPacing.LOOPS_EVERY_MS;
    assertFalse(p.getAsBoolean(), "calm twice");
  }

  @Test
  void anUnknownLoopDemandHoldsTheWriterToItsShare() {
    demand = -1;
    assertTrue(pacing(true, 0, 70).getAsBoolean());
  }

  @Test
  void withBothSetEitherSignalBusyHoldsTheWriter() {
    demand = 0.3;
    load = 0.95;
    assertTrue(calmTwice(pacing(true, 80, 70)), "a busy machine");
    demand = 0.8;
    load = 0.2;
    assertTrue(calmTwice(pacing(true, 80, 70)), "busy loops");
    demand = 0.3;
    assertFalse(calmTwice(pacing(true, 80, 70)), "neither");
  }

  /** The answer after the loops were read twice. */
  private boolean calmTwice(WriterPacing p) {
    p.getAsBoolean();
    now += WriterPacing.LOOPS_EVERY_MS;
    return p.getAsBoolean();
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
