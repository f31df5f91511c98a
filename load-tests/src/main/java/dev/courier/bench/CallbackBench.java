package dev.courier.bench;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The callback scenario of {@link Bench} ({@code -Dbench.only=callbacks}): rounds alternate plain publishes with
 * publishes that carry {@code Upstash-Callback} (the sink again, so each makes two deliveries), 3 pairs of
 * {@link Bench#SECONDS} / 3 each, every round drained before the next. What a published message cost Redis is
 * Redis's CPU from the round's start to the end of its drain, divided by the messages published: a message with
 * a callback may cost at most one more publish's worth, since its callback is a message of its own. A callback
 * message is larger than the bench's message (its JSON body carries the source's body, base64, and the
 * response), so the publish it is compared with is a third kind of round: plain publishes with a body of a
 * callback's size ({@code bench.callbackBodyBytes}, 900).
 * Requests carry no sequence number; every accepted message must arrive with its callback, by count.
 */
final class CallbackBench {
  private static final int ROUNDS = Integer.getInteger("bench.callbackRounds", 3);
  private static final int CALLBACK_SIZE = Integer.getInteger("bench.callbackBodyBytes", 900);

  private final Bench b;

  CallbackBench(Bench b) {
    this.b = b;
  }

  private static final class Side {
    double bestRedis = Double.MAX_VALUE;
    double bestCourier = Double.MAX_VALUE;
    final Map<String, long[]> commands = new java.util.HashMap<>();
    long accepted;
    long delivered;
    final List<String> rounds = new ArrayList<>();
  }

  void run() throws Exception {
    String uri = "/v2/publish/" + b.sinkUrl();
    Map<String, String> callback = Map.of("Upstash-Callback", b.sinkUrl() + "?callback");
    round(new Side(), n -> b.unsequenced(uri, callback), 2); // warm-up: the callback path is new to the JIT
    byte[] big = ("{\"pad\":\"" + "x".repeat(CALLBACK_SIZE - 10) + "\"}").getBytes();
    Side plain = new Side();
    Side large = new Side();
    Side withCallback = new Side();
    for (int i = 0; i < ROUNDS; i++) {
      round(plain, n -> b.unsequenced(uri, Map.of()), 1);
      round(large, n -> b.unsequenced(uri, big), 1);
      round(withCallback, n -> b.unsequenced(uri, callback), 2);
    }
    b.line("callbacks. rounds, plain", "%s", String.join(", ", plain.rounds));
    b.line("callbacks. rounds, plain with a callback-sized body", "%s", String.join(", ", large.rounds));
    b.line("callbacks. rounds, with a callback", "%s", String.join(", ", withCallback.rounds));
    double worth = plain.bestRedis + large.bestRedis;
    b.line("callbacks. redis CPU per published message (best)", "with a callback %.1f µs; plain %.1f µs + a"
        + " callback-sized publish %.1f µs = %.1f µs  %s (target: at most one more publish's worth)",
        withCallback.bestRedis, plain.bestRedis, large.bestRedis, worth, withCallback.bestRedis <= worth ? "PASS" : "FAIL");
    b.line("callbacks. the same against two plain publishes", "%.2f", withCallback.bestRedis / plain.bestRedis);
    b.line("callbacks. redis time per published message: plain", "%s",
        QueueBench.costliest(plain.commands, plain.accepted));
    b.line("callbacks. redis time per published message: with a callback", "%s",
        QueueBench.costliest(withCallback.commands, withCallback.accepted));
    b.line("callbacks. courier CPU per published message (best)", "with a callback %.1f µs, plain %.1f µs = %.2f",
        withCallback.bestCourier, plain.bestCourier, withCallback.bestCourier / plain.bestCourier);
    long expected = plain.accepted + large.accepted + 2 * withCallback.accepted;
    long got = plain.delivered + large.delivered + withCallback.delivered;
    b.line("callbacks. deliveries expected / arrived", "%d / %d  %s", expected, got, expected == got ? "PASS" : "FAIL");
  }

  private void round(Side side, LongFunction<Future<Integer>> send, int deliveriesEach) throws Exception {
    b.sink.reset();
    double[] cpu0 = b.courier.cpuSeconds();
    Map<String, long[]> commands0 = QueueBench.commandStats(b);
    Load.Result r = Bench.await(Load.closed(b.vertx, Bench.CONCURRENCY, Bench.SECONDS * 1000L / 3, send));
    b.drain(300_000);
    double[] cpu1 = b.courier.cpuSeconds();
    QueueBench.commandStats(b).forEach((name, v) -> {
      long[] before = commands0.getOrDefault(name, new long[2]);
      long[] sum = side.commands.computeIfAbsent(name, k -> new long[2]);
      sum[0] += v[0] - before[0];
      sum[1] += v[1] - before[1];
    });
    long published = Math.max(1, r.ok());
    double courier = (cpu1[0] - cpu0[0]) * 1e6 / published;
    double redis = (cpu1[1] - cpu0[1]) * 1e6 / published;
    side.bestCourier = Math.min(side.bestCourier, courier);
    side.bestRedis = Math.min(side.bestRedis, redis);
    side.accepted += r.ok();
    side.delivered += b.sink.requests.get();
    side.rounds.add(String.format(Locale.ROOT, "%.0f published/s, redis %.1f µs, courier %.1f µs", r.rate(), redis,
        courier));
  }
}
