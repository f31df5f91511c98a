package dev.courier.eventlog;

import java.lang.management.ManagementFactory;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Whether the event-log writer must keep to its share of a core now ({@code event-log.writer-share}): while the node
 * delivers and is busy. A writer held back whenever anything is in flight leaves the log up to a minute behind under
 * steady traffic, even with time to spare; paced by how busy the node is, it stores at full speed below that, and
 * the share only gives way to deliveries that need the CPU. Two signals, each on when its threshold is above 0,
 * either of them busy holding the writer:
 * <ul>
 *   <li>{@code event-log.writer-busy-loops} (75 by default): the node's event loops wanted a CPU at least that much
 *       of the time ({@link LoopDemand}). At a quarter of the full rate they read about 50 %, at the full rate
 *       80-99 % (docs/performance.md, "The writer paced by the event loops").
 *   <li>{@code event-log.writer-busy-cpu} (0, off): the machine's or container's CPU load. On a shared host it moves
 *       with the neighbours (the same quarter-rate load read 50 % and 78 %: "The writer below full speed").
 * </ul>
 * The load is read at most every {@link #READ_EVERY_MS} ms (the kernel counts CPU time in ticks, so shorter
 * intervals read noise), the loops' demand every {@link #LOOPS_EVERY_MS} ms. A signal that cannot tell (not Linux, a
 * negative or missing value) says busy: the share applies, as it did before either existed.
 */
public final class WriterPacing implements BooleanSupplier {
  static final long READ_EVERY_MS = 250;
  /**
   * The loops' demand is read at most this often, and frees the writer only when two readings in a row are below
   * the threshold: a full-speed load reads 80-99 % averaged over seconds, but a shorter window can dip below (a
   * burst of slow answers, a pause of the publishers), and a writer freed in every dip would take more than its
   * share from the deliveries. A load that drops frees it after one to two seconds.
   */
  static final long LOOPS_EVERY_MS = 1_000;

  private final BooleanSupplier delivering;
  private final int busyCpuPercent;
  private final int busyLoopsPercent;
  private final DoubleSupplier cpuLoad;
  private final DoubleSupplier loopDemand;
  private final LongSupplier clockMs;
  private long readAt;
  private boolean read;
  private double load = -1;
  private long loopsReadAt;
  private boolean loopsRead;
  private boolean loopsBusy = true;
  private boolean loopsBusyBefore = true;

  /**
   * @param delivering whether the node has attempts in flight
   * @param busyCpuPercent from what machine load the share applies; 0: not by the machine's load
   * @param busyLoopsPercent from what demand of the node's event loops the share applies; 0: not by that. Both 0:
   *     whenever the node delivers
   */
  public WriterPacing(BooleanSupplier delivering, int busyCpuPercent, int busyLoopsPercent) {
    this(delivering, busyCpuPercent, busyLoopsPercent, WriterPacing::machineLoad,
        busyLoopsPercent > 0 ? new LoopDemand() : () -> -1, System::currentTimeMillis);
  }

  WriterPacing(BooleanSupplier delivering, int busyCpuPercent, int busyLoopsPercent, DoubleSupplier cpuLoad,
      DoubleSupplier loopDemand, LongSupplier clockMs) {
    this.delivering = delivering;
    this.busyCpuPercent = busyCpuPercent;
    this.busyLoopsPercent = busyLoopsPercent;
    this.cpuLoad = cpuLoad;
    this.loopDemand = loopDemand;
    this.clockMs = clockMs;
  }

  /** True when the writer must keep to its share. Called by the writer after each batch (one thread). */
  @Override
  public boolean getAsBoolean() {
    if (!delivering.getAsBoolean()) {
      // The next reading of the loops spans this idle time and says little of the load that follows: it alone
      // must not free the writer.
      loopsRead = false;
      loopsBusy = true;
      return false;
    }
    if (busyCpuPercent <= 0 && busyLoopsPercent <= 0) {
      return true;
    }
    long now = clockMs.getAsLong();
    if (busyCpuPercent > 0 && (!read || now - readAt >= READ_EVERY_MS)) {
      read = true;
      readAt = now;
      load = cpuLoad.getAsDouble();
    }
    if (busyLoopsPercent > 0 && (!loopsRead || now - loopsReadAt >= LOOPS_EVERY_MS)) {
      loopsRead = true;
      loopsReadAt = now;
      loopsBusyBefore = loopsBusy;
      loopsBusy = busy(busyLoopsPercent, loopDemand.getAsDouble());
    }
    return busy(busyCpuPercent, load) || busyLoopsPercent > 0 && (loopsBusy || loopsBusyBefore);
  }

  /** A signal that is set says busy when it reads at least its threshold, or cannot tell (negative, NaN). */
  private static boolean busy(int thresholdPercent, double reading) {
    return thresholdPercent > 0 && (!(reading >= 0) || reading * 100 >= thresholdPercent);
  }

  /** The machine's recent CPU load, 0 to 1, or -1 when this JVM cannot tell. */
  private static double machineLoad() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getCpuLoad();
    }
    return -1;
  }
}
