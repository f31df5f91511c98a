package dev.courier.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The event-log scenario of {@link Bench} ({@code -Dbench.only=eventlog}): the end-to-end rate with the event log
 * on (its default database, the H2 file) against off. Two nodes run side by side, one started each way, each
 * warmed alone for {@code bench.eventlogWarmup} s (45); then they take turns: {@code bench.eventlogRounds} pairs (6)
 * of windows, in the order off-on, on-off, off-on, …, each window {@code bench.eventlogSettle} s (3) of load before
 * {@link Bench#SECONDS} s of counted deliveries, then drained (and, with the log on, the outbox emptied) before the
 * other node's turn. Each pair's on / off and their median is the verdict: on ≥ 0.8 × off. While the log is on, the
 * writer's lag (now minus the oldest outbox entry not yet in the database) is sampled every 500 ms: under 5 s.
 *
 * <p>Why turns of two live nodes rather than a node started per round, as until session 22: the host's rate moved
 * by up to 28 % between rounds a few minutes apart, more than the margin being measured, so a round against the
 * round before it compared machine states as much as the log (docs/performance.md, session 22). Turns of seconds
 * see the same machine, and the order alternates so that a drift within a pair favours neither side.
 *
 * <p>Then one more round with the log on, at {@code bench.eventlogModerate} (0.25) of the log-off rate (an open
 * load, as target 2's): the writer's worst lag there and the machine's CPU meanwhile. Below full speed the writer
 * should keep the log current; a share that holds it back whenever anything is in flight leaves the log seconds
 * behind (event-log.writer-busy-cpu).
 */
final class EventLogBench {
  private static final int PAIRS = Integer.getInteger("bench.eventlogRounds", 6);
  /**
   * Long enough for the JIT: a node with the log on compiles its writer, H2 and the JSON as well, and after 15 s its
   * compiler threads still took 0.4-0.6 of the two cores through half of the measured round (the log-off node's were
   * done), so the round measured the compiler more than the log (docs/performance.md, session 20).
   */
  private static final int WARMUP = Integer.getInteger("bench.eventlogWarmup", 45);
  /** Load before a window counts: the writer's lag (about a second at full speed) reaches its steady state. */
  private static final int SETTLE = Integer.getInteger("bench.eventlogSettle", 3);
  private static final double MODERATE = Double.parseDouble(System.getProperty("bench.eventlogModerate", "0.25"));
  private static final Pattern ENTRY_ID = Pattern.compile("(\\d{13})-\\d+");

  private final Bench b;
  private final Path jar;

  EventLogBench(Bench b, Path jar) {
    this.b = b;
    this.jar = jar;
  }

  /** What one window found: its delivery rate, the writer's worst lag, the CPU per delivered message. */
  private record Window(double rate, long lagMs, long catchUpMs, double courierMicros, double redisMicros,
      double rewriteMicros, double busy) {}

  /** A node with the log on or off ({@code courier.env} besides). */
  private CourierProcess start(boolean on) throws Exception {
    Map<String, String> env = Bench.courierEnv();
    env.put("COURIER_EVENT_LOG_ENABLED", Boolean.toString(on));
    return CourierProcess.start(jar, Files.createTempDirectory("courier-eventlog"), Bench.courierJvm(), env);
  }

  void run() throws Exception {
    b.courier.close();
    CourierProcess offNode = start(false);
    CourierProcess onNode = null;
    List<Double> paired = new ArrayList<>();
    List<String> windows = new ArrayList<>();
    double sumOn = 0;
    double sumOff = 0;
    long worstLag = 0;
    double[] cpuOn = {Double.MAX_VALUE, Double.MAX_VALUE, 0};
    double[] cpuOff = {Double.MAX_VALUE, Double.MAX_VALUE, 0};
    try {
      onNode = start(true);
      for (CourierProcess node : List.of(offNode, onNode)) {
        b.courier = node;
        Bench.await(Load.closed(b.vertx, Bench.CONCURRENCY, WARMUP * 1000L, n -> b.immediate("/v2/publish/" + b.sinkUrl())));
        b.drain(60_000);
        if (node == onNode) {
          awaitEmptyOutbox(120_000);
        }
      }
      for (int i = 0; i < PAIRS; i++) {
        double rateOn = 0;
        double rateOff = 0;
        for (boolean on : i % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
          b.courier = on ? onNode : offNode;
          Window w = measure(on);
          double[] cpu = on ? cpuOn : cpuOff;
          cpu[0] = Math.min(cpu[0], w.courierMicros());
          cpu[1] = Math.min(cpu[1], w.redisMicros());
          cpu[2] += w.rewriteMicros() / PAIRS; // a mean: most windows have no rewrite
          if (on) {
            rateOn = w.rate();
            worstLag = Math.max(worstLag, w.lagMs());
          } else {
            rateOff = w.rate();
          }
          windows.add(String.format(Locale.ROOT, "%s %.0f/s, machine %.0f %% busy%s", on ? "on" : "off", w.rate(),
              w.busy(), on
              ? String.format(Locale.ROOT, " (lag ≤ %.1f s, outbox empty %.1f s after the load)", w.lagMs() / 1000.0,
                  w.catchUpMs() / 1000.0) : ""));
        }
        paired.add(rateOn / rateOff);
        sumOn += rateOn;
        sumOff += rateOff;
      }
    } finally {
      offNode.close();
      if (onNode != null) {
        b.courier = onNode; // the moderate round's, then closed by Bench
      }
    }
    b.line("eventlog. windows, in turn", "%s", String.join("; ", windows));
    double median = Bench.median(paired);
    b.line("eventlog. end-to-end with the log on (H2) vs off", "on / off of each pair: %s; median %.2f  %s (target >= 0.80)",
        Bench.ratios(paired), median, median >= 0.8 ? "PASS" : "FAIL");
    b.line("eventlog. the same, all windows", "%.0f vs %.0f msg/s = %.2f", sumOn / PAIRS, sumOff / PAIRS,
        sumOn / sumOff);
    b.line("eventlog. CPU per delivered message (best)", "on: courier %.0f µs, redis %.0f µs (+ %.1f µs rewriting its"
        + " AOF, mean); off: courier %.0f µs, redis %.0f µs (+ %.1f µs)", cpuOn[0], cpuOn[1], cpuOn[2], cpuOff[0], cpuOff[1],
        cpuOff[2]);
    b.line("eventlog. writer lag at that rate (worst sample)", "%.1f s  %s (target < 5 s)", worstLag / 1000.0,
        worstLag < 5_000 ? "PASS" : "FAIL");
    moderate(sumOff / PAIRS * MODERATE);
  }

  /** The last node (log on) at {@code rate} for {@link Bench#SECONDS}: the writer's worst lag, the machine's CPU. */
  private void moderate(double rate) throws Exception {
    b.drain(120_000);
    awaitEmptyOutbox(300_000);
    b.sink.reset();
    long[] cpu0 = machineTicks();
    var run = Load.open(b.vertx, rate, Bench.SECONDS * 1000L, 2_000, n -> b.immediate("/v2/publish/" + b.sinkUrl()));
    long end = System.currentTimeMillis() + Bench.SECONDS * 1000L;
    long lag = 0;
    long sum = 0;
    int samples = 0;
    while (System.currentTimeMillis() < end) {
      Thread.sleep(500);
      long l = lagMs();
      lag = Math.max(lag, l);
      sum += l;
      samples++;
    }
    long[] cpu1 = machineTicks();
    Bench.await(run);
    double busy = 100.0 * (cpu1[0] - cpu0[0]) / Math.max(1, cpu1[1] - cpu0[1]);
    b.line("eventlog. log on at " + MODERATE + " of that rate (" + Math.round(rate) + "/s)",
        "writer lag worst %.1f s, mean %.1f s; machine CPU %.0f %% busy", lag / 1000.0,
        sum / 1000.0 / Math.max(1, samples), busy);
  }

  /** The machine's busy and total CPU ticks so far (the first line of /proc/stat). */
  private static long[] machineTicks() throws Exception {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < f.length; i++) {
      total += Long.parseLong(f[i]);
    }
    long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle, iowait
    return new long[] {total - idle, total};
  }

  /**
   * One window on {@code b.courier}: {@link #SETTLE} s of load, then the deliveries of {@link Bench#SECONDS} s
   * counted; the worst writer lag seen, and the CPU Courier and Redis spent per delivered message until the window
   * drained (and the outbox emptied).
   */
  private Window measure(boolean on) throws Exception {
    b.sink.reset();
    double[] cpu0 = b.courier.cpuSeconds();
    var run = Load.closed(b.vertx, Bench.CONCURRENCY, (SETTLE + Bench.SECONDS + 1) * 1000L,
        n -> b.immediate("/v2/publish/" + b.sinkUrl()));
    long t0 = System.currentTimeMillis() + SETTLE * 1000L;
    long count = 0;
    long[] ticks0 = null;
    long lag = 0;
    boolean counting = false;
    long end = t0 + Bench.SECONDS * 1000L;
    long now;
    while ((now = System.currentTimeMillis()) < end) {
      if (!counting && now >= t0) {
        count = b.sink.requests.get();
        ticks0 = machineTicks();
        t0 = now;
        end = t0 + Bench.SECONDS * 1000L;
        counting = true;
      }
      Thread.sleep(Math.min(500, Math.max(1, (counting ? end : t0) - now)));
      if (on) {
        lag = Math.max(lag, lagMs());
      }
    }
    double rate = (b.sink.requests.get() - count) * 1000.0 / (System.currentTimeMillis() - t0);
    long[] ticks1 = machineTicks();
    // below 100 % while the node is the bottleneck: something other than CPU holds the deliveries back
    double busy = 100.0 * (ticks1[0] - ticks0[0]) / Math.max(1, ticks1[1] - ticks0[1]);
    Bench.await(run);
    long stopped = System.currentTimeMillis();
    b.drain(120_000);
    long catchUp = 0;
    if (on) {
      // counted from the end of the load: counted from the end of the drain, it read 0.0 s in every window
      awaitEmptyOutbox(300_000);
      catchUp = System.currentTimeMillis() - stopped;
    }
    double[] cpu1 = b.courier.cpuSeconds();
    long delivered = Math.max(1, b.sink.requests.get());
    return new Window(rate, lag, catchUp, (cpu1[0] - cpu0[0]) * 1e6 / delivered, (cpu1[1] - cpu0[1]) * 1e6 / delivered,
        (cpu1[2] - cpu0[2]) * 1e6 / delivered, busy);
  }

  /** Now minus the oldest outbox entry's time (0 when the outbox is empty); one shard, the default. */
  private long lagMs() throws Exception {
    Matcher m = ENTRY_ID.matcher(b.courier.redis("XRANGE", "courier:{s0}:events", "-", "+", "COUNT", "1"));
    return m.find() ? Math.max(0, System.currentTimeMillis() - Long.parseLong(m.group(1))) : 0;
  }

  /** Waits until the writer stored everything; returns how long that took. */
  private long awaitEmptyOutbox(long maxMs) throws Exception {
    long t0 = System.currentTimeMillis();
    while (System.currentTimeMillis() - t0 < maxMs) {
      if (lagMs() == 0) {
        return System.currentTimeMillis() - t0;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the event-log writer did not empty the outbox within " + maxMs + " ms");
  }
}
