package dev.courier.bench;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongFunction;

/**
 * The URL-group scenario of {@link Bench} ({@code -Dbench.only=fanout}): a group of {@code bench.fanout}
 * (10) endpoints, all the sink (distinct URLs: {@code ?e=<n>}), and rounds that alternate a publish to the
 * group with single publishes to the sink, {@code bench.fanoutRounds} (3) pairs of {@link Bench#SECONDS} / 3
 * each, every round drained before the next. What a delivered message cost is Courier's and Redis's CPU from
 * the round's start to the end of its drain, divided by the messages delivered: a fan-out must cost less per
 * message than single publishes (one HTTP request, one parse and one store round trip per shard for all its
 * endpoints). Requests carry no sequence number (one publish is many deliveries): the check is that every
 * accepted message arrived, by count.
 */
final class FanoutBench {
  private static final int ENDPOINTS = Integer.getInteger("bench.fanout", 10);
  private static final int ROUNDS = Integer.getInteger("bench.fanoutRounds", 3);
  private static final String GROUP = "bench-fan";

  private final Bench b;

  FanoutBench(Bench b) {
    this.b = b;
  }

  private static final class Side {
    double bestRate;
    double bestCost = Double.MAX_VALUE;
    long accepted;
    long delivered;
    final List<String> rounds = new ArrayList<>();
  }

  void run() throws Exception {
    StringBuilder eps = new StringBuilder("{\"endpoints\":[");
    for (int i = 0; i < ENDPOINTS; i++) {
      eps.append(i == 0 ? "" : ",").append("{\"url\":\"").append(b.sinkUrl()).append("?e=").append(i).append("\"}");
    }
    int status = Bench.await(b.postJson("/v2/topics/" + GROUP + "/endpoints", eps.append("]}").toString()));
    if (status != 200) {
      throw new IllegalStateException("POST /v2/topics/" + GROUP + "/endpoints answered " + status);
    }
    String group = "/v2/publish/" + GROUP;
    String single = "/v2/publish/" + b.sinkUrl();
    // Warm-up: the group path is new code to the JIT.
    round(new Side(), ENDPOINTS, n -> b.unsequenced(group));
    round(new Side(), 1, n -> b.unsequenced(single));

    Side fan = new Side();
    Side one = new Side();
    for (int i = 0; i < ROUNDS; i++) {
      round(fan, ENDPOINTS, n -> b.unsequenced(group));
      round(one, 1, n -> b.unsequenced(single));
    }
    b.line("fanout. rounds, group of " + ENDPOINTS, "%s", String.join(", ", fan.rounds));
    b.line("fanout. rounds, single publishes", "%s", String.join(", ", one.rounds));
    b.line("fanout. delivered msg/s (best round)", "group %.0f, single %.0f = %.2f", fan.bestRate, one.bestRate,
        fan.bestRate / one.bestRate);
    b.line("fanout. CPU per delivered message (best round)", "group %.0f µs, single %.0f µs  %s (target: group < single)",
        fan.bestCost, one.bestCost, fan.bestCost < one.bestCost ? "PASS" : "FAIL");
    b.line("fanout. accepted / delivered messages", "%d / %d  %s", fan.accepted + one.accepted,
        fan.delivered + one.delivered, fan.accepted + one.accepted == fan.delivered + one.delivered ? "PASS" : "FAIL");
  }

  /** One closed-loop round and its drain; {@code perRequest} messages per accepted request. */
  private void round(Side side, int perRequest, LongFunction<Future<Integer>> send) throws Exception {
    b.sink.reset();
    double[] cpu0 = b.courier.cpuSeconds();
    long t0 = System.currentTimeMillis();
    Load.Result r = Bench.await(Load.closed(b.vertx, Bench.CONCURRENCY, Bench.SECONDS * 1000L / 3, send));
    double rate = b.sink.requests.get() * 1000.0 / (System.currentTimeMillis() - t0);
    b.drain(300_000);
    double[] cpu1 = b.courier.cpuSeconds();
    long delivered = b.sink.requests.get();
    double cost = ((cpu1[0] - cpu0[0]) + (cpu1[1] - cpu0[1])) * 1e6 / Math.max(1, delivered);
    side.bestRate = Math.max(side.bestRate, rate);
    side.bestCost = Math.min(side.bestCost, cost);
    side.accepted += r.ok() * perRequest;
    side.delivered += delivered;
    side.rounds.add(String.format(Locale.ROOT, "%.0f msg/s, %.0f µs/msg", rate, cost));
  }
}
