package dev.courier.bench;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The queue scenarios of {@link Bench} ({@code -Dbench.only=queues}, {@code fifo}), on the same node and in
 * the same invocation as the targets:
 *
 * <ul>
 *   <li><b>queues</b>: {@code bench.queues} (1000) queues of parallelism {@code bench.queueParallelism} (5),
 *       created first with {@code POST /v2/queues}, then target 1's load (the sink answering at once) in
 *       alternating rounds: plain publishes, and the same with every message enqueued
 *       ({@code POST /v2/enqueue/<queue>/<sink>}) to the next queue in turn. The best queued round's
 *       delivered rate against the best plain round's (the plain end-to-end rate): target &ge; 0.6. When
 *       target 1 ran in the same invocation, the ratio to its best window is printed too.
 *   <li><b>fifo</b>: one queue of parallelism 1, paused, filled with {@code bench.fifoMessages} (20000)
 *       messages one enqueue at a time (so the order they were accepted in is the order of their sequence
 *       numbers), then resumed: deliveries per second while it drains (target &ge; 500/s), the order they
 *       arrive in, and the gap from the sink's answer to one delivery to the arrival of the next (target:
 *       p99 &le; 2 ms). The gap holds more than "outcome written → next sent": the answer's way back to
 *       Courier and the outcome's write too, and the next request's way to the sink; it bounds it from above.
 *       A round of {@code bench.fifoWarmup} (5000) messages goes first, unmeasured: the claim path of gated
 *       messages is new code to the JIT.
 *   <li><b>flows</b>: as <b>queues</b>, but every message of the gated rounds is published with an
 *       {@code Upstash-Flow-Control-Key} (the next of {@code bench.flowKeys} (100) keys in turn) and generous
 *       limits ({@code parallelism=1000}, or {@code bench.flowValue}): what a flow-controlled message costs
 *       against a plain one. Target &ge; 0.6.
 * </ul>
 */
final class QueueBench {
  private static final int QUEUES = Integer.getInteger("bench.queues", 1000);
  private static final int PARALLELISM = Integer.getInteger("bench.queueParallelism", 5);
  /** Enqueueing to the queues, unmeasured, before the measured run (their path is new code to the JIT). */
  private static final int QUEUE_WARMUP_SECONDS = Integer.getInteger("bench.queueWarmup", 10);
  /** Pairs of rounds, plain then queued. */
  private static final int QUEUE_ROUNDS = Integer.getInteger("bench.queueRounds", 3);
  private static final int FIFO_MESSAGES = Integer.getInteger("bench.fifoMessages", 20_000);
  private static final int FIFO_WARMUP = Integer.getInteger("bench.fifoWarmup", 5_000);
  private static final String FIFO_QUEUE = "bench-fifo";
  private static final int TOP_COMMANDS = 6;
  private static final int FLOW_KEYS = Integer.getInteger("bench.flowKeys", 100);
  private static final String FLOW_VALUE = System.getProperty("bench.flowValue", "parallelism=1000");

  private final Bench b;

  QueueBench(Bench b) {
    this.b = b;
  }

  // ----- queues --------------------------------------------------------------------------------

  /** What the rounds of one kind (plain or queued) added up to. */
  private static final class Side {
    double best;
    long delivered;
    long ok;
    long rejected;
    long failed;
    long lost;
    long duplicates;
    final double[] cpu = new double[3];
    final Map<String, long[]> commands = new HashMap<>();
    final List<Double> rates = new ArrayList<>();
    final List<Double> accepted = new ArrayList<>();
  }

  /**
   * Plain and queued rounds alternate, {@code bench.queueRounds} pairs of {@link Bench#SECONDS} / 3 each,
   * as target 3's health and publish rounds do, and each side is its best round: the neighbour that
   * lowers one round lowers the other's round next to it, not a run a minute earlier. A round is target
   * 1's closed loop ({@link Bench#CONCURRENCY} in flight), its rate the deliveries that arrived while it
   * published; the backlog it leaves is drained (and checked: lost, duplicated) before the next.
   *
   * @param plainBest target 1's best window (msg/s) when it ran in this invocation, else 0
   */
  void queues(double plainBest) throws Exception {
    Load.Result created = Bench.await(Load.count(b.vertx, 16, QUEUES,
        n -> b.postJson("/v2/queues", queue("bench-q" + n, PARALLELISM, false))));
    System.out.printf("bench: %d queues of parallelism %d created in %d ms%n", created.ok(), PARALLELISM,
        created.elapsedMs());
    if (created.ok() != QUEUES) { // an enqueue would create the missing ones with parallelism 1
      throw new IllegalStateException("POST /v2/queues: " + created.rejected() + " refused, " + created.failed()
          + " failed (queues.max-queues is 10000 by default)");
    }
    String[] uris = new String[QUEUES];
    for (int i = 0; i < QUEUES; i++) {
      uris[i] = "/v2/enqueue/bench-q" + i + "/" + b.sinkUrl();
    }
    String publish = "/v2/publish/" + b.sinkUrl();
    Bench.await(Load.closed(b.vertx, Bench.CONCURRENCY, QUEUE_WARMUP_SECONDS * 1000L,
        n -> b.immediate(uris[(int) (n % QUEUES)])));
    b.drain(300_000);

    Side plain = new Side();
    Side queued = new Side();
    List<String> rounds = new ArrayList<>();
    for (int i = 0; i < QUEUE_ROUNDS; i++) {
      round(plain, n -> b.immediate(publish));
      round(queued, n -> b.immediate(uris[(int) (n % QUEUES)]));
      rounds.add(String.format(Locale.ROOT, "%.0f (%.0f) / %.0f (%.0f) = %.2f", queued.rates.get(i),
          queued.accepted.get(i), plain.rates.get(i), plain.accepted.get(i), queued.rates.get(i) / plain.rates.get(i)));
    }
    b.line("queues. rounds: queued / plain, msg/s delivered (accepted)", "%s", String.join(", ", rounds));
    // The three share the two cores: the ratio of the sums is about what the rates can be.
    b.line("queues. CPU per delivered message, plain", "%s", cpu(plain));
    b.line("queues. CPU per delivered message, queued", "%s", cpu(queued));
    b.line("queues. redis time per delivery: plain", "%s", costliest(plain.commands, plain.delivered));
    b.line("queues. redis time per delivery: queued", "%s", costliest(queued.commands, queued.delivered));
    b.line("queues. enqueued (accepted), " + QUEUES + " queues of " + PARALLELISM, "%d (%d rejected, %d failed)",
        queued.ok, queued.rejected, queued.failed);
    b.verdict("queues. end-to-end delivered (best of " + QUEUE_ROUNDS + ")", queued.best, plain.best, 0.60,
        "msg/s");
    if (plainBest > 0) {
      b.line("queues. for reference: against target 1's best window", "%.0f / %.0f = %.2f", queued.best, plainBest,
          queued.best / plainBest);
    }
    long lost = plain.lost + queued.lost;
    long duplicates = plain.duplicates + queued.duplicates;
    b.line("queues. lost / duplicated (both kinds)", "%d / %d  %s", lost, duplicates,
        lost == 0 && duplicates == 0 ? "PASS" : "FAIL");
  }

  /** Plain and flow-controlled rounds alternate, as in {@link #queues}. */
  void flows() throws Exception {
    String publish = "/v2/publish/" + b.sinkUrl();
    String[] keys = new String[FLOW_KEYS];
    for (int i = 0; i < FLOW_KEYS; i++) {
      keys[i] = "bench-f" + i;
    }
    LongFunction<Future<Integer>> flowed = n -> b.immediate(publish, Map.of("Upstash-Flow-Control-Key",
        keys[(int) (n % FLOW_KEYS)], "Upstash-Flow-Control-Value", FLOW_VALUE));
    Bench.await(Load.closed(b.vertx, Bench.CONCURRENCY, QUEUE_WARMUP_SECONDS * 1000L, flowed));
    b.drain(300_000);
    Side plain = new Side();
    Side gated = new Side();
    List<String> rounds = new ArrayList<>();
    for (int i = 0; i < QUEUE_ROUNDS; i++) {
      round(plain, n -> b.immediate(publish));
      round(gated, flowed);
      rounds.add(String.format(Locale.ROOT, "%.0f (%.0f) / %.0f (%.0f) = %.2f", gated.rates.get(i),
          gated.accepted.get(i), plain.rates.get(i), plain.accepted.get(i), gated.rates.get(i) / plain.rates.get(i)));
    }
    b.line("flows. rounds: flow-controlled / plain, msg/s delivered (accepted)", "%s", String.join(", ", rounds));
    b.line("flows. CPU per delivered message, plain", "%s", cpu(plain));
    b.line("flows. CPU per delivered message, flow-controlled", "%s", cpu(gated));
    b.line("flows. redis time per delivery: flow-controlled", "%s", costliest(gated.commands, gated.delivered));
    b.verdict("flows. end-to-end delivered, " + FLOW_KEYS + " keys, " + FLOW_VALUE + " (best of " + QUEUE_ROUNDS
        + ")", gated.best, plain.best, 0.60, "msg/s");
    long lost = plain.lost + gated.lost;
    long duplicates = plain.duplicates + gated.duplicates;
    b.line("flows. lost / duplicated (both kinds)", "%d / %d  %s", lost, duplicates,
        lost == 0 && duplicates == 0 ? "PASS" : "FAIL");
  }

  private static String cpu(Side side) {
    double[] us = new double[3];
    for (int i = 0; i < 3; i++) {
      us[i] = side.cpu[i] * 1e6 / side.delivered;
    }
    return String.format(Locale.ROOT, "courier %.0f µs, redis %.0f µs, bench (client + sink) %.0f µs; %.0f µs in all",
        us[0], us[1], us[2], us[0] + us[1] + us[2]);
  }

  private void round(Side side, LongFunction<Future<Integer>> send) throws Exception {
    b.sink.reset();
    Map<String, long[]> commands0 = commandStats(b);
    double[] cpu0 = b.courier.cpuSeconds();
    double self0 = CourierProcess.cpu(ProcessHandle.current().pid());
    long t0 = System.currentTimeMillis();
    Load.Result r = Bench.await(Load.closed(b.vertx, Bench.CONCURRENCY, Bench.SECONDS * 1000L / 3, send));
    long delivered = b.sink.requests.get();
    double rate = delivered * 1000.0 / (System.currentTimeMillis() - t0);
    double[] cpu1 = b.courier.cpuSeconds();
    double self1 = CourierProcess.cpu(ProcessHandle.current().pid());
    Map<String, long[]> commands1 = commandStats(b);
    b.drain(300_000);
    side.rates.add(rate);
    side.accepted.add(r.rate());
    side.best = Math.max(side.best, rate);
    side.delivered += delivered;
    side.ok += r.ok();
    side.rejected += r.rejected();
    side.failed += r.failed();
    side.lost += r.ok() - b.sink.distinct();
    side.duplicates += b.sink.duplicates();
    side.cpu[0] += cpu1[0] - cpu0[0];
    side.cpu[1] += cpu1[1] - cpu0[1];
    side.cpu[2] += self1 - self0;
    commands1.forEach((name, v) -> {
      long[] before = commands0.getOrDefault(name, new long[2]);
      long[] sum = side.commands.computeIfAbsent(name, k -> new long[2]);
      sum[0] += v[0] - before[0];
      sum[1] += v[1] - before[1];
    });
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
    Map<String, long[]> commands0 = commandStats(b);
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
    Map<String, long[]> commands = commandStats(b);
    commands.forEach((name, v) -> {
      long[] before = commands0.getOrDefault(name, new long[2]);
      v[0] -= before[0];
      v[1] -= before[1];
    });
    Round r = new Round(filled, delivered, b.sink.fifoSpanMs(), b.sink.gaps(), b.sink.outOfOrder(), b.sink.distinct(),
        b.sink.duplicates(), new double[] {cpu1[0] - cpu0[0], cpu1[1] - cpu0[1], self1 - self0},
        costliest(commands, delivered));
    b.sink.fifo(false);
    return r;
  }

  /** Redis's INFO commandstats: per command, {calls, µs} (the commands scripts call are counted too). */
  static Map<String, long[]> commandStats(Bench b) throws Exception {
    Map<String, long[]> stats = new HashMap<>();
    for (String line : b.courier.redis("INFO", "commandstats").split("\r\n")) {
      if (line.startsWith("cmdstat_")) {
        long[] v = new long[2];
        for (String kv : line.substring(line.indexOf(':') + 1).split(",")) {
          if (kv.startsWith("calls=")) {
            v[0] = Long.parseLong(kv.substring("calls=".length()));
          } else if (kv.startsWith("usec=")) {
            v[1] = Long.parseLong(kv.substring("usec=".length()));
          }
        }
        stats.put(line.substring("cmdstat_".length(), line.indexOf(':')), v);
      }
    }
    return stats;
  }

  /**
   * Redis's own time per delivery in the {@code TOP_COMMANDS} costliest commands of a difference of
   * commandStats, with their calls per delivery. A script's time (evalsha) holds that of the commands it
   * called, which are listed as well.
   */
  static String costliest(Map<String, long[]> commands, long delivered) {
    List<Map.Entry<String, long[]>> top = new ArrayList<>(commands.entrySet());
    top.removeIf(e -> e.getKey().equals("info") || e.getValue()[0] == 0);
    top.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, long[]> e : top.subList(0, Math.min(TOP_COMMANDS, top.size()))) {
      out.add(String.format(Locale.ROOT, "%s %.1f µs (%.2f calls)", e.getKey(), e.getValue()[1] / (double) delivered,
          e.getValue()[0] / (double) delivered));
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
