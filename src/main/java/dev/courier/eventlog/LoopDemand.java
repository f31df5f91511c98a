package dev.courier.eventlog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * How much of the time since the last reading the node's event loops wanted a CPU, 0 to 1 per loop: time on a CPU
 * plus time runnable but waiting for one, from Linux's {@code /proc/self/task/<tid>/schedstat}. A loop blocked
 * waiting for I/O counts nothing, so the figure is the node's own demand: it does not rise with what other processes
 * on the host do, as the machine's load does, and a loop starved of CPU by them still counts as wanting it. The
 * event loops carry the deliveries and the API (and the writer's decoding), so this is how busy delivering keeps the
 * node ({@link WriterPacing}).
 *
 * <p>The loops are found by name (Vert.x names them {@code vert.x-eventloop-thread-N}; the kernel keeps the first 15
 * characters) once, and again when one of them is gone. Where there is no such file (not Linux), or it holds only
 * zeros (a kernel without scheduler statistics), {@link #getAsDouble} answers -1.
 */
final class LoopDemand implements DoubleSupplier {
  /** The kernel's copy of a thread's name: its first 15 characters. */
  static final String LOOP_NAME = "vert.x-eventloo";
  /** How often the list of loops is looked for again when none was found (a node whose loops are not up yet). */
  private static final long RESCAN_MS = 10_000;

  private final Path tasks;
  private final String namePrefix;
  private final LongSupplier nanoClock;
  private List<Path> loops = List.of();
  private long scannedAt = Long.MIN_VALUE;
  private long lastBusyNanos = -1;
  private long lastAt;

  LoopDemand() {
    this(Path.of("/proc/self/task"), LOOP_NAME, System::nanoTime);
  }

  /**
   * @param tasks a folder laid out as {@code /proc/self/task}
   * @param namePrefix how the kernel names the threads to watch (at most 15 characters)
   */
  LoopDemand(Path tasks, String namePrefix, LongSupplier nanoClock) {
    this.tasks = tasks;
    this.namePrefix = namePrefix;
    this.nanoClock = nanoClock;
  }

  /**
   * The loops' demand since the previous call, averaged over the loops: 1 when each wanted a CPU all along. The
   * first call (and the first after the loops changed) has nothing to compare with and answers -1, as does a
   * machine that cannot tell.
   */
  @Override
  public double getAsDouble() {
    long now = nanoClock.getAsLong();
    if (scannedAt == Long.MIN_VALUE || loops.isEmpty() && now - scannedAt >= RESCAN_MS * 1_000_000) {
      scan(now);
    }
    if (loops.isEmpty()) {
      return -1;
    }
    long busy = busyNanos();
    if (busy < 0) {
      scannedAt = Long.MIN_VALUE; // a loop is gone: find them again next time
      return -1;
    }
    long before = lastBusyNanos;
    long elapsed = now - lastAt;
    lastBusyNanos = busy;
    lastAt = now;
    if (before < 0 || elapsed <= 0) {
      return -1;
    }
    return Math.max(0, (double) (busy - before) / elapsed / loops.size());
  }

  private void scan(long now) {
    scannedAt = now;
    lastBusyNanos = -1;
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
      for (Path task : dir) {
        try {
          String name = Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).trim();
          if (name.startsWith(namePrefix) && Files.isReadable(task.resolve("schedstat"))) {
            found.add(task.resolve("schedstat"));
          }
        } catch (IOException e) {
          // a thread that ended while we looked
        }
      }
    } catch (IOException | UnsupportedOperationException e) {
      found.clear();
    }
    loops = found;
  }

  /**
   * The loops' time on a CPU plus time waiting for one, summed, ns; -1 when a file cannot be read, or when it says
   * no loop ever ran: a kernel without scheduler statistics writes "0 0 0" for every thread, which would read as
   * loops with all the time in the world.
   */
  private long busyNanos() {
    long sum = 0;
    long ran = 0;
    for (Path p : loops) {
      try {
        // "<ns on a CPU> <ns runnable, waiting for a CPU> <time slices>"
        String[] f = Files.readString(p, StandardCharsets.US_ASCII).trim().split(" ");
        ran += Long.parseLong(f[0]);
        sum += Long.parseLong(f[0]) + Long.parseLong(f[1]);
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
    return ran > 0 ? sum : -1;
  }
}
