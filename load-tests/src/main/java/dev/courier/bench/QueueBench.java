package dev.courier.bench;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The queue scenarios of {@link Bench} ({@code -Dbench.only=queues}, {@code fifo}), on the same node and in
 * the same invocation as the targets:
 *
 * <ul>
 *   <li><b>queues</b>: {@code bench.queues} (1000) queues of parallelism {@code bench.queueParallelism} (5),
 *       created first with {@code POST /v2/queues}, then target 1's load with every message enqueued
 *       ({@code POST /v2/enqueue/<queue>/<sink>}) to the next queue in turn, the sink answering at once. The
 *       deliveries are counted in three windows as target 1's are, and the best window is set against target
 *       1's best window, measured just before (the plain end-to-end rate). Target: &ge; 0.6.
 *   <li><b>fifo</b>: one queue of parallelism 1, paused, filled with {@code bench.fifoMessages} (20000)
 *       messages one enqueue at a time (so the order they were accepted in is the order of their sequence
 *       numbers), then resumed: deliveries per second while it drains (target &ge; 500/s), the order they
 *       arrive in, and the gap from the sink's answer to one delivery to the arrival of the next (target:
 *       p99 &le; 2 ms). The gap holds more than "outcome written → next sent": the answer's way back to
 *       Courier and the outcome's write too, and the next request's way to the sink; it bounds it from above.
 *       A round of {@code bench.fifoWarmup} (5000) messages goes first, unmeasured: the claim path of gated
 *       messages is new code to the JIT.
 * </ul>
 */
final class QueueBench {
  private static final int QUEUES = Integer.getInteger("bench.queues", 1000);
  private static final int PARALLELISM = Integer.getInteger("bench.queueParallelism", 5);
  /** Enqueueing to the queues, unmeasured, before the measured run (their path is new code to the JIT). */
  private static final int QUEUE_WARMUP_SECONDS = Integer.getInteger("bench.queueWarmup", 10);
  private static final int FIFO_MESSAGES = Integer.getInteger("bench.fifoMessages", 20_000);
  private static final int FIFO_WARMUP = Integer.getInteger("bench.fifoWarmup", 5_000);
  private static final String FIFO_QUEUE = "bench-fifo";
  private static final int TOP_COMMANDS = 6;

  private final Bench b;

  QueueBench(Bench b) {
    this.b = b;
  }

  // ----- queues --------------------------------------------------------------------------------

  /**
   * @param plainBest target 1's best window (msg/s), measured just before in the same invocation
   * @param plainWhole target 1's whole run (msg/s)
   */
  void queues(double plainBest, double plainWhole) throws Exception {
    Load.Result created = Bench.await(Load.count(b.vertx, 16, QUEUES,
        n -> b.postJson("/v2/queues", queue("bench-q" + n, PARALLELISM, false))));
    System.out.printf("bench: %d queues of parallelism %d created in %d ms (%d refused, %d failed)%n", created.ok(),
        PARALLELISM, created.elapsedMs(), created.rejected(), created.failed());
    String[] uris = new String[QUEUES];
    for (int i = 0; i < QUEUES; i++) {
      uris[i] = "/v2/enqueue/bench-q" + i + "/" + b.sinkUrl();
    }
    Bench.await(Load.closed(b.vertx, Bench.CONCURRENCY, QUEUE_WARMUP_SECONDS * 1000L,
        n -> b.immediate(uris[(int) (n % QUEUES)])));
    b.drain(300_000);

    b.sink.reset();
    b.courier.redis("CONFIG", "RESETSTAT");
    long t0 = System.currentTimeMillis();
    double[] cpu0 = b.courier.cpuSeconds();
    double self0 = CourierProcess.cpu(ProcessHandle.current().pid());
    Future<Load.Result> run = Load.closed(b.vertx, Bench.CONCURRENCY, Bench.SECONDS * 1000L,
        n -> b.immediate(uris[(int) (n % QUEUES)]));
    List<String> windows = new ArrayList<>();
    double best = 0;
    long count = 0;
    long at = t0;
    for (int w = 1; w <= 3; w++) {
      Thread.sleep(Math.max(0, t0 + w * Bench.SECONDS * 1000L / 3 - System.currentTimeMillis()));
      long c = b.sink.requests.get();
      long now = System.currentTimeMillis();
      double windowRate = (c - count) * 1000.0 / (now - at);
      windows.add(String.format(Locale.ROOT, "%.0f", windowRate));
      best = Math.max(best, windowRate);
      count = c;
      at = now;
    }
    Load.Result pub = Bench.await(run);
    long delivered = b.sink.requests.get();
    double rate = delivered * 1000.0 / (System.currentTimeMillis() - t0);
    double[] cpu1 = b.courier.cpuSeconds();
    double self1 = CourierProcess.cpu(ProcessHandle.current().pid());
    String commands = commandsPer(delivered);
    long backlog = pub.ok() - delivered;
    long d0 = System.currentTimeMillis();
    b.drain(300_000);
    long lost = pub.ok() - b.sink.distinct();
    b.line("queues. CPU per delivered message", "courier %.0f µs, redis %.0f µs, bench (client + sink) %.0f µs",
        (cpu1[0] - cpu0[0]) * 1e6 / delivered, (cpu1[1] - cpu0[1]) * 1e6 / delivered,
        (self1 - self0) * 1e6 / delivered);
    b.line("queues. redis time per delivery, costliest commands", "%s", commands);
    b.line("queues. enqueued (accepted), " + QUEUES + " queues of " + PARALLELISM,
        "%.0f msg/s (%d rejected, %d failed); %d waiting at the end, drained in %d s", pub.rate(), pub.rejected(),
        pub.failed(), backlog, (System.currentTimeMillis() - d0) / 1000);
    b.line("queues. delivered per " + Bench.SECONDS / 3 + "-s window", "%s msg/s; whole run %.0f msg/s = %.2f × plain's %.0f",
        String.join(", ", windows), rate, rate / plainWhole, plainWhole);
    b.verdict("queues. end-to-end delivered (best window)", best, plainBest, 0.60, "msg/s");
    b.line("queues. lost / duplicated", "%d / %d  %s", lost, b.sink.duplicates(),
        lost == 0 && b.sink.duplicates() == 0 ? "PASS" : "FAIL");
  }

  // ----- fifo ----------------------------------------------------------------------------------

  void fifo() throws Exception {
    String uri = "/v2/enqueue/" + FIFO_QUEUE + "/" + b.sinkUrl();
    Round warm = round(uri, FIFO_WARMUP);
    System.out.printf(Locale.ROOT, "bench: fifo warm-up: %d messages, %.0f deliveries/s%n", warm.delivered,
        warm.rate());
    Round r = round(uri, FIFO_MESSAGES);
    b.line("fifo. filled (queue paused, one enqueue at a time)", "%d accepted in %.1f s (%d refused, %d failed)",
        r.filled.ok(), r.filled.elapsedMs() / 1000.0, r.filled.rejected(), r.filled.failed());
    b.line("fifo. delivered, parallelism 1", "%.0f msg/s (%d in %.1f s)  %s (target >= 500/s)", r.rate(),
        r.delivered, r.spanMs / 1000, r.rate() >= 500 ? "PASS" : "FAIL");
    b.line("fifo. answer → next arrival at the sink", "p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)  %s (target p99 <= 2 ms)",
        r.gaps.percentile(50) / 1000.0, r.gaps.percentile(99) / 1000.0, r.gaps.percentile(100) / 1000.0,
        r.gaps.count(), r.gaps.percentile(99) <= 2_000 ? "PASS" : "FAIL");
    long lost = r.filled.ok() - r.distinct;
    b.line("fifo. out of order / lost / duplicated", "%d / %d / %d  %s", r.outOfOrder, lost, r.duplicates,
        r.outOfOrder == 0 && lost == 0 && r.duplicates == 0 ? "PASS" : "FAIL");
    double seconds = r.spanMs / 1000;
    b.line("fifo. CPU per delivery (share of a core)", "courier %.0f µs (%.0f %%), redis %.0f µs (%.0f %%), bench %.0f µs (%.0f %%)",
        r.cpu[0] * 1e6 / r.delivered, r.cpu[0] * 100 / seconds, r.cpu[1] * 1e6 / r.delivered,
        r.cpu[1] * 100 / seconds, r.cpu[2] * 1e6 / r.delivered, r.cpu[2] * 100 / seconds);
    b.line("fifo. redis time per delivery, costliest commands", "%s", r.commands);
  }

  /** What one fill-and-drain of the FIFO queue measured. */
  private record Round(Load.Result filled, long delivered, double spanMs, Histogram gaps, long outOfOrder,
      long distinct, long duplicates, double[] cpu, String commands) {
    double rate() {
      return (delivered - 1) * 1000.0 / spanMs;
    }
  }

  private Round round(String uri, int messages) throws Exception {
    await200(b.postJson("/v2/queues", queue(FIFO_QUEUE, 1, true)));
    b.sink.reset();
    Load.Result filled = Bench.await(Load.count(b.vertx, 1, messages, n -> b.immediate(uri)));
    b.sink.fifo(true);
    b.courier.redis("CONFIG", "RESETSTAT");
    double[] cpu0 = b.courier.cpuSeconds();
    double self0 = CourierProcess.cpu(ProcessHandle.current().pid());
    await200(b.postJson("/v2/queues", queue(FIFO_QUEUE, 1, false)));
    // Until every accepted message arrived, or none arrived for 10 s.
    long last = -1;
    long progressAt = System.currentTimeMillis();
    while (b.sink.requests.get() < filled.ok() && System.currentTimeMillis() - progressAt < 10_000) {
      Thread.sleep(50);
      long n = b.sink.requests.get();
      if (n != last) {
        last = n;
        progressAt = System.currentTimeMillis();
      }
    }
    double[] cpu1 = b.courier.cpuSeconds();
    double self1 = CourierProcess.cpu(ProcessHandle.current().pid());
    long delivered = b.sink.requests.get();
    String commands = commandsPer(delivered);
    Round r = new Round(filled, delivered, b.sink.fifoSpanMs(), b.sink.gaps(), b.sink.outOfOrder(), b.sink.distinct(),
        b.sink.duplicates(), new double[] {cpu1[0] - cpu0[0], cpu1[1] - cpu0[1], self1 - self0}, commands);
    b.sink.fifo(false);
    return r;
  }

  /**
   * Redis's own time per delivery since the last RESETSTAT (INFO commandstats, which counts the commands
   * scripts call as well as the scripts): the {@code TOP_COMMANDS} costliest commands, with their calls.
   */
  private String commandsPer(long delivered) throws Exception {
    record Stat(String name, double perDelivery, double usecPerDelivery) {}
    List<Stat> stats = new ArrayList<>();
    for (String line : b.courier.redis("INFO", "commandstats").split("\r\n")) {
      if (!line.startsWith("cmdstat_")) {
        continue;
      }
      String name = line.substring("cmdstat_".length(), line.indexOf(':'));
      long calls = 0;
      long usec = 0;
      for (String kv : line.substring(line.indexOf(':') + 1).split(",")) {
        if (kv.startsWith("calls=")) {
          calls = Long.parseLong(kv.substring("calls=".length()));
        } else if (kv.startsWith("usec=")) {
          usec = Long.parseLong(kv.substring("usec=".length()));
        }
      }
      if (!name.equals("info") && !name.equals("config")) {
        stats.add(new Stat(name, calls / (double) delivered, usec / (double) delivered));
      }
    }
    stats.sort((x, y) -> Double.compare(y.usecPerDelivery, x.usecPerDelivery));
    List<String> out = new ArrayList<>();
    for (Stat s : stats.subList(0, Math.min(TOP_COMMANDS, stats.size()))) {
      out.add(String.format(Locale.ROOT, "%s %.1f µs (%.2f calls)", s.name, s.usecPerDelivery, s.perDelivery));
    }
    return String.join(", ", out);
  }

  private static String queue(String name, int parallelism, boolean paused) {
    return "{\"queueName\":\"" + name + "\",\"parallelism\":" + parallelism + ",\"paused\":" + paused + "}";
  }

  private static void await200(Future<Integer> f) throws Exception {
    int status = Bench.await(f);
    if (status != 200) {
      throw new IllegalStateException("POST /v2/queues answered " + status);
    }
  }
}
