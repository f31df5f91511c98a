package dev.courier.eventlog;

import java.lang.management.ManagementFactory;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Whether the event-log writer must keep to its share of a core now ({@code event-log.writer-share}): while the node
 * delivers and, with {@code event-log.writer-busy-cpu} set, the machine's CPU is at least that busy. A writer held
 * back whenever anything is in flight leaves the log up to a minute behind under steady traffic, even with cores to
 * spare; with the setting it stores at full speed below that load, and the share only gives way to deliveries that
 * need the CPU. It is 0 (the share whenever anything is in flight) by default: docs/performance.md, "The writer
 * below full speed", has the measurements.
 *
 * <p>The load is the machine's (or the container's) over the last interval, read at most every
 * {@link #READ_EVERY_MS} ms: the kernel counts CPU time in ticks of 10 ms, so shorter intervals read noise. When the
 * JVM cannot tell (a negative or missing value), the node's delivering alone decides, as before.
 */
public final class WriterPacing implements BooleanSupplier {
  static final long READ_EVERY_MS = 250;

  private final BooleanSupplier delivering;
  private final int busyCpuPercent;
  private final DoubleSupplier cpuLoad;
  private final LongSupplier clockMs;
  private long readAt;
  private boolean read;
  private double load = -1;

  /**
   * @param delivering whether the node has attempts in flight
   * @param busyCpuPercent from what machine load the share applies; 0: whenever the node delivers
   */
  public WriterPacing(BooleanSupplier delivering, int busyCpuPercent) {
    this(delivering, busyCpuPercent, WriterPacing::machineLoad, System::currentTimeMillis);
  }

  WriterPacing(BooleanSupplier delivering, int busyCpuPercent, DoubleSupplier cpuLoad, LongSupplier clockMs) {
    this.delivering = delivering;
    this.busyCpuPercent = busyCpuPercent;
    this.cpuLoad = cpuLoad;
    this.clockMs = clockMs;
  }

  /** True when the writer must keep to its share. Called by the writer after each batch (one thread). */
  @Override
  public boolean getAsBoolean() {
    if (!delivering.getAsBoolean()) {
      return false;
    }
    if (busyCpuPercent <= 0) {
      return true;
    }
    long now = clockMs.getAsLong();
    if (!read || now - readAt >= READ_EVERY_MS) {
      read = true;
      readAt = now;
      load = cpuLoad.getAsDouble();
    }
    return !(load >= 0) || load * 100 >= busyCpuPercent; // unknown (negative, NaN): held to the share
  }

  /** The machine's recent CPU load, 0 to 1, or -1 when this JVM cannot tell. */
  private static double machineLoad() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getCpuLoad();
    }
    return -1;
  }
}
