package dev.courier.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The metrics scenario of {@link Bench} ({@code -Dbench.only=metrics}): what metrics cost the end-to-end rate. Two
 * nodes run side by side, one with {@code metrics.enabled: false} and one with {@code true} (the event log off on
 * both, so that only metrics differ), each with its own embedded Redis; after a warm-up of each, short rounds of
 * {@code bench.metricsRoundSeconds} (5) publish to one and then the other, {@code bench.metricsRounds} (6) pairs,
 * the order swapped every pair. A noisy neighbour that slows the machine for a while slows both sides of a pair
 * alike, which separate runs a minute apart never did (performance.md, "Metrics on and off"): the verdict is the
 * median of the pairs' on ÷ off ratios. Target: at least 0.97.
 */
final class MetricsBench {
  private static final int ROUNDS = Integer.getInteger("bench.metricsRounds", 6);
  private static final int ROUND_SECONDS = Integer.getInteger("bench.metricsRoundSeconds", 5);
  private static final int WARMUP = Integer.getInteger("bench.metricsWarmup", 20);

  private final Bench b;
  private final Path jar;

  MetricsBench(Bench b, Path jar) {
    this.b = b;
    this.jar = jar;
  }

  /** One round: delivered per second while publishing, and Courier's CPU per delivered message (µs). */
  private record Round(double rate, double courierMicros) {}

  void run() throws Exception {
    b.courier.close();
    CourierProcess off = start(false);
    CourierProcess on = start(true);
    try {
      for (CourierProcess node : List.of(off, on)) {
        b.courier = node;
        Bench.await(Load.closed(b.vertx, Bench.CONCURRENCY, WARMUP * 1000L,
            n -> b.immediate("/v2/publish/" + b.sinkUrl())));
        b.drain(60_000);
      }
      List<Double> ratios = new ArrayList<>();
      List<String> pairs = new ArrayList<>();
      List<Double> cpuOff = new ArrayList<>();
      List<Double> cpuOn = new ArrayList<>();
      for (int i = 0; i < ROUNDS; i++) {
        boolean offFirst = i % 2 == 0;
        Round first = round(offFirst ? off : on);
        Round second = round(offFirst ? on : off);
        Round roundOff = offFirst ? first : second;
        Round roundOn = offFirst ? second : first;
        ratios.add(roundOn.rate() / roundOff.rate());
        cpuOff.add(roundOff.courierMicros());
        cpuOn.add(roundOn.courierMicros());
        pairs.add(String.format(Locale.ROOT, "off %.0f / on %.0f = %.3f", roundOff.rate(), roundOn.rate(),
            roundOn.rate() / roundOff.rate()));
      }
      double median = median(ratios);
      b.line("metrics. pairs (msg/s delivered while publishing)", "%s", String.join("; ", pairs));
      b.line("metrics. courier CPU per delivered message (median)", "off %.1f µs, on %.1f µs",
          median(cpuOff), median(cpuOn));
      b.line("metrics. end-to-end with metrics on vs off", "median of the pairs %.3f  %s (target >= 0.97)", median,
          median >= 0.97 ? "PASS" : "FAIL");
    } finally {
      on.close();
      b.courier = off; // the bench closes it at the end, as the node it started
    }
  }

  private CourierProcess start(boolean metrics) throws Exception {
    return CourierProcess.start(jar, Files.createTempDirectory("courier-metrics"), Bench.courierJvm(),
        Map.of("COURIER_METRICS_ENABLED", Boolean.toString(metrics), "COURIER_EVENT_LOG_ENABLED", "false"));
  }

  private Round round(CourierProcess node) throws Exception {
    b.courier = node;
    double[] cpu0 = node.cpuSeconds();
    long before = b.sink.requests.get();
    long t0 = System.nanoTime();
    Bench.await(Load.closed(b.vertx, Bench.CONCURRENCY, ROUND_SECONDS * 1000L,
        n -> b.immediate("/v2/publish/" + b.sinkUrl())));
    long delivered = b.sink.requests.get() - before;
    double seconds = (System.nanoTime() - t0) / 1e9;
    b.drain(60_000);
    double[] cpu1 = node.cpuSeconds();
    long all = Math.max(1, b.sink.requests.get() - before);
    return new Round(delivered / seconds, (cpu1[0] - cpu0[0]) * 1e6 / all);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
