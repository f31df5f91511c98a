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
 * on (its default database, the H2 file) against off, in rounds that alternate a node started each way
 * ({@code bench.eventlogRounds} pairs, 2), each warmed for {@code bench.eventlogWarmup} s (45) and then measured
 * for {@link Bench#SECONDS} s as target 1 is: deliveries counted in three windows, the best one kept. While the
 * log is on, the writer's lag (now minus the oldest outbox entry not yet in the database) is sampled every 500 ms;
 * after the round, how long the writer takes to empty the outbox. Target: on ≥ 0.8 × off, lag under 5 s. Besides
 * the best of each side, each pair's own ratio and their median are printed: the log-off rate alone moved by 28 %
 * between the two pairs of one invocation (docs/performance.md, session 21).
 *
 * <p>Then one more round with the log on, at {@code bench.eventlogModerate} (0.25) of the best rate with it off (an
 * open load, as target 2's): the writer's worst lag there and the machine's CPU meanwhile. Below full speed the
 * writer should keep the log current; a share that holds it back whenever anything is in flight leaves the log
 * seconds behind (event-log.writer-busy-cpu).
 */
final class EventLogBench {
  private static final int ROUNDS = Integer.getInteger("bench.eventlogRounds", 2);
  /**
   * Long enough for the JIT: a node with the log on compiles its writer, H2 and the JSON as well, and after 15 s its
   * compiler threads still took 0.4-0.6 of the two cores through half of the measured round (the log-off node's were
   * done), so the round measured the compiler more than the log (docs/performance.md, session 20).
   */
  private static final int WARMUP = Integer.getInteger("bench.eventlogWarmup", 45);
  private static final double MODERATE = Double.parseDouble(System.getProperty("bench.eventlogModerate", "0.25"));
  private static final Pattern ENTRY_ID = Pattern.compile("(\\d{13})-\\d+");

  private final Bench b;
  private final Path jar;

  EventLogBench(Bench b, Path jar) {
    this.b = b;
    this.jar = jar;
  }

  /** What one measured round found. */
  private record Round(double best, double last, long lagMs, long catchUpMs, double courierMicros, double redisMicros) {}

  /** courier.env, with the log on or off. */
  private static Map<String, String> env(boolean on) {
    Map<String, String> env = Bench.courierEnv();
    env.put("COURIER_EVENT_LOG_ENABLED", Boolean.toString(on));
    return env;
  }

  void run() throws Exception {
    double bestOff = 0;
    double bestOn = 0;
    double lastOff = 0;
    double lastOn = 0;
    long worstLag = 0;
    double[] cpuOff = {Double.MAX_VALUE, Double.MAX_VALUE};
    double[] cpuOn = {Double.MAX_VALUE, Double.MAX_VALUE};
    List<String> rounds = new ArrayList<>();
    // each log-on round against the log-off round just before it (the machine drifts between pairs)
    List<Double> paired = new ArrayList<>();
    double offBefore = 0;
    for (int i = 0; i < ROUNDS; i++) {
      for (boolean on : new boolean[] {false, true}) {
        b.courier.close();
        b.courier = CourierProcess.start(jar, Files.createTempDirectory("courier-eventlog"), Bench.courierJvm(),
            env(on));
        Bench.await(Load.closed(b.vertx, Bench.CONCURRENCY, WARMUP * 1000L, n -> b.immediate("/v2/publish/" + b.sinkUrl())));
        b.drain(60_000);
        if (on) {
          awaitEmptyOutbox(120_000);
        }
        Round r = measure(on);
        double[] cpu = on ? cpuOn : cpuOff;
        cpu[0] = Math.min(cpu[0], r.courierMicros());
        cpu[1] = Math.min(cpu[1], r.redisMicros());
        if (on) {
          paired.add(r.best() / offBefore);
          bestOn = Math.max(bestOn, r.best());
          lastOn = Math.max(lastOn, r.last());
          worstLag = Math.max(worstLag, r.lagMs());
        } else {
          offBefore = r.best();
          bestOff = Math.max(bestOff, r.best());
          lastOff = Math.max(lastOff, r.last());
        }
        rounds.add(String.format(Locale.ROOT, "%s %.0f/s (last window %.0f/s), courier %.0f µs + redis %.0f µs per message%s", on ? "on" : "off",
            r.best(), r.last(), r.courierMicros(), r.redisMicros(), on ? String.format(Locale.ROOT,
                " (lag ≤ %.1f s, outbox empty %.1f s after)", r.lagMs() / 1000.0, r.catchUpMs() / 1000.0) : ""));
      }
    }
    b.line("eventlog. rounds (best window each)", "%s", String.join("; ", rounds));
    b.line("eventlog. end-to-end with the log on (H2) vs off", "%.0f vs %.0f msg/s = %.2f  %s (target >= 0.80)",
        bestOn, bestOff, bestOn / bestOff, bestOn / bestOff >= 0.8 ? "PASS" : "FAIL");
    double median = Bench.median(paired);
    b.line("eventlog. the same, paired rounds", "on / off of each pair: %s; median %.2f  %s (target >= 0.80)",
        Bench.ratios(paired), median, median >= 0.8 ? "PASS" : "FAIL");
    // The last third of a round is the steady state: a writer that keeps to its share at first and takes more once
    // its lag reaches event-log.max-lag makes the first window the fastest, so "best" alone would flatter it.
    b.line("eventlog. the same, last window of each round", "%.0f vs %.0f msg/s = %.2f  %s (target >= 0.80)",
        lastOn, lastOff, lastOn / lastOff, lastOn / lastOff >= 0.8 ? "PASS" : "FAIL");
    b.line("eventlog. CPU per delivered message (best)", "on: courier %.0f µs, redis %.0f µs; off: courier %.0f µs,"
        + " redis %.0f µs", cpuOn[0], cpuOn[1], cpuOff[0], cpuOff[1]);
    b.line("eventlog. writer lag at that rate (worst sample)", "%.1f s  %s (target < 5 s)", worstLag / 1000.0,
        worstLag < 5_000 ? "PASS" : "FAIL");
    moderate(bestOff * MODERATE);
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
   * Publishes for {@link Bench#SECONDS}: the best of three windows' delivery rate and the last one's, the worst writer lag seen, and
   * the CPU Courier and Redis spent per delivered message until the round drained (and the outbox emptied).
   */
  private Round measure(boolean on) throws Exception {
    b.sink.reset();
    double[] cpu0 = b.courier.cpuSeconds();
    var run = Load.closed(b.vertx, Bench.CONCURRENCY, Bench.SECONDS * 1000L, n -> b.immediate("/v2/publish/" + b.sinkUrl()));
    long t0 = System.currentTimeMillis();
    long count = b.sink.requests.get();
    long at = t0;
    double best = 0;
    double last = 0;
    long lag = 0;
    for (int w = 1; w <= 3; w++) {
      long windowEnd = t0 + w * Bench.SECONDS * 1000L / 3;
      while (System.currentTimeMillis() < windowEnd) {
        Thread.sleep(Math.min(500, Math.max(1, windowEnd - System.currentTimeMillis())));
        if (on) {
          lag = Math.max(lag, lagMs());
        }
      }
      long c = b.sink.requests.get();
      long now = System.currentTimeMillis();
      last = (c - count) * 1000.0 / (now - at);
      best = Math.max(best, last);
      count = c;
      at = now;
    }
    Bench.await(run);
    b.drain(120_000);
    long catchUp = on ? awaitEmptyOutbox(300_000) : 0;
    double[] cpu1 = b.courier.cpuSeconds();
    long delivered = Math.max(1, b.sink.requests.get());
    return new Round(best, last, lag, catchUp, (cpu1[0] - cpu0[0]) * 1e6 / delivered, (cpu1[1] - cpu0[1]) * 1e6 / delivered);
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
