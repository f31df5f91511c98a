package dev.courier.bench;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The callback scenario of {@link Bench} ({@code -Dbench.only=callbacks}): rounds alternate plain publishes with
 * publishes that carry {@code Upstash-Callback} (the sink again, so each makes two deliveries), {@link Bench#SECONDS}
 * / 3 each, every round drained before the next. What a published message cost Redis is Redis's CPU from the
 * round's start to the end of its drain, divided by the messages published: a message with a callback may cost at
 * most one more publish's worth, since its callback is a message of its own. A callback message is larger than the
 * bench's message (its JSON body carries the source's body, base64, and the response), so the publish it is
 * compared with is a third kind of round: plain publishes with a body of a callback's size
 * ({@code bench.callbackBodyBytes}, 900).
 *
 * <p>Three groups of 3 × 3 rounds, since what a message costs Redis depends on the regime it runs in:
 * <ul>
 *   <li>as fast as they go (closed loop, {@link Bench#CONCURRENCY} requests open). Here the callback rounds run
 *       with a backlog the plain ones do not have: twice the deliveries per publish outrun the node, its credit goes
 *       to the callbacks it takes at once, and publishes wait on the wheel (a claim each, larger sets);
 *   <li>the same messages a second: callbacks published at R, plain and callback-sized publishes at 2R, where R is
 *       {@code bench.callbackOpenShare} (0.35) of the fastest plain round's rate, low enough for no backlog;
 *   <li>the same publishes a second: all three at R (what an application that adds callbacks pays).
 * </ul>
 * Within a group the three kinds run as triples, in the order plain, callback-sized, with a callback, and reversed
 * every second triple, so that a drift of the machine or of Redis does not fall on one kind; the verdict is the
 * median of each callback round against the plain and callback-sized rounds of its own triple.
 * Each group reports the sizes of the shard's lease set, message hash and due set while publishing, and Courier's
 * script calls per published message (from its metrics). The publishing windows are printed on the monotonic clock
 * ("bench: round …"), to cut a profile of Redis taken with {@code perf record -k CLOCK_MONOTONIC}.
 * Requests carry no sequence number; every accepted message must arrive with its callback, by count.
 */
final class CallbackBench {
  private static final int ROUNDS = Integer.getInteger("bench.callbackRounds", 3);
  private static final int CALLBACK_SIZE = Integer.getInteger("bench.callbackBodyBytes", 900);
  /** The longest wait for Redis to go idle after a round's drain, seconds ({@link #settle}). */
  private static final int SETTLE_MAX = Integer.getInteger("bench.callbackSettleMax", 15);
  /** R of the rounds at a set rate, as a share of the fastest plain round's rate (2R messages a second). */
  private static final double OPEN_SHARE = Double.parseDouble(System.getProperty("bench.callbackOpenShare", "0.35"));

  private final Bench b;

  CallbackBench(Bench b) {
    this.b = b;
  }

  private static final class Side {
    final String name;

    Side(String name) {
      this.name = name;
    }

    double bestRedis = Double.MAX_VALUE;
    double bestCourier = Double.MAX_VALUE;
    /** Redis CPU per published message of each round, in order. */
    final List<Double> redisByRound = new ArrayList<>();
    final Map<String, long[]> commands = new java.util.HashMap<>();
    long accepted;
    long delivered;
    final List<String> rounds = new ArrayList<>();
    final long[] maxSizes = new long[3];
    final long[] sumSizes = new long[3];
    long samples;
    final Map<String, Long> scriptCalls = new java.util.TreeMap<>();
  }

  /** Courier's EVALSHA calls so far, by script (its courier_lua_script_duration_seconds_count). */
  private Map<String, Long> scriptCalls() throws Exception {
    var client = java.net.http.HttpClient.newHttpClient();
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(b.courier.url + "/metrics"))
        .header("Authorization", "Bearer " + b.courier.token).build();
    String text = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Long> calls = new java.util.HashMap<>();
    var m = java.util.regex.Pattern.compile("courier_lua_script_duration_seconds_count\\{[^}]*script=\"([^\"]+)\"[^}]*\\} (\\S+)")
        .matcher(text);
    while (m.find()) {
      calls.merge(m.group(1), (long) Double.parseDouble(m.group(2)), Long::sum);
    }
    return calls;
  }

  private static String calls(Side s) {
    List<String> out = new ArrayList<>();
    s.scriptCalls.forEach((name, n) -> {
      if (n > 0) {
        out.add(String.format(Locale.ROOT, "%s %.3f", name, n / (double) Math.max(1, s.accepted)));
      }
    });
    return String.join(", ", out);
  }

  /** Samples the shard's lease set, message hash and due set while a round runs: what the scripts walk. */
  private Thread sampler(Side side, java.util.concurrent.atomic.AtomicBoolean running) {
    String[][] commands = {{"ZCARD", "courier:{s0}:lease"}, {"HLEN", "courier:{s0}:msgs"}, {"ZCARD", "courier:{s0}:due"}};
    Thread t = new Thread(() -> {
      while (running.get()) {
        try {
          for (int i = 0; i < commands.length; i++) {
            long v = Long.parseLong(b.courier.redis(commands[i]).trim());
            side.maxSizes[i] = Math.max(side.maxSizes[i], v);
            side.sumSizes[i] += v;
          }
          side.samples++;
          Thread.sleep(50);
        } catch (Exception e) {
          return;
        }
      }
    }, "bench-sizes");
    t.start();
    return t;
  }

  private static String sizes(Side s) {
    long n = Math.max(1, s.samples);
    return String.format(Locale.ROOT, "lease mean %d max %d, msgs mean %d max %d, due mean %d max %d",
        s.sumSizes[0] / n, s.maxSizes[0], s.sumSizes[1] / n, s.maxSizes[1], s.sumSizes[2] / n, s.maxSizes[2]);
  }

  void run() throws Exception {
    String uri = "/v2/publish/" + b.sinkUrl();
    Map<String, String> callback = Map.of("Upstash-Callback", b.sinkUrl() + "?callback");
    byte[] big = ("{\"pad\":\"" + "x".repeat(CALLBACK_SIZE - 10) + "\"}").getBytes();
    LongFunction<Future<Integer>> plainSend = n -> b.unsequenced(uri, Map.of());
    LongFunction<Future<Integer>> largeSend = n -> b.unsequenced(uri, big);
    LongFunction<Future<Integer>> callbackSend = n -> b.unsequenced(uri, callback);
    long ms = Bench.SECONDS * 1000L / 3;
    round(new Side("warm-up"), () -> closed(callbackSend, ms)); // warm-up: the callback path is new to the JIT
    Side plain = new Side("plain");
    Side large = new Side("large");
    Side withCallback = new Side("withCallback");
    double[] fastest = {0};
    for (int i = 0; i < ROUNDS; i++) {
      triple(i, () -> fastest[0] = Math.max(fastest[0], round(plain, () -> closed(plainSend, ms))),
          () -> round(large, () -> closed(largeSend, ms)), () -> round(withCallback, () -> closed(callbackSend, ms)));
    }
    double plainRate = fastest[0];
    report("as fast as they go", plain, large, withCallback);
    // At full speed twice the deliveries per publish outrun the node. Until delivery.direct-wait-ms (session 21)
    // the callback rounds' messages then waited on the wheel (a claim each) where plain rounds went straight to a
    // dispatcher; now their publishes wait for credit instead (due stays 0 in the sizes above). The rounds are
    // also run at rates where none builds a backlog, with the same messages through Redis each second:
    // callbacks at R published/s (2R messages), plain and callback-sized publishes at 2R.
    double rate = plainRate * OPEN_SHARE;
    Side plainOpen = new Side("plainOpen");
    Side largeOpen = new Side("largeOpen");
    Side callbackOpen = new Side("callbackOpen");
    for (int i = 0; i < ROUNDS; i++) {
      triple(i, () -> round(plainOpen, () -> open(plainSend, 2 * rate, ms)),
          () -> round(largeOpen, () -> open(largeSend, 2 * rate, ms)),
          () -> round(callbackOpen, () -> open(callbackSend, rate, ms)));
    }
    report(String.format(Locale.ROOT, "%.0f messages/s each: publishes at %.0f/s, callbacks at %.0f/s", 2 * rate,
        2 * rate, rate), plainOpen, largeOpen, callbackOpen);
    // And at the same published rate R (half the messages in the plain rounds): what an application that adds
    // callbacks to the publishes it makes pays.
    Side plainSame = new Side("plainSame");
    Side largeSame = new Side("largeSame");
    Side callbackSame = new Side("callbackSame");
    for (int i = 0; i < ROUNDS; i++) {
      triple(i, () -> round(plainSame, () -> open(plainSend, rate, ms)),
          () -> round(largeSame, () -> open(largeSend, rate, ms)),
          () -> round(callbackSame, () -> open(callbackSend, rate, ms)));
    }
    report(String.format(Locale.ROOT, "all published at %.0f/s", rate), plainSame, largeSame, callbackSame);
    long expected = 0;
    long got = 0;
    for (Side s : List.of(plain, large, withCallback, plainOpen, largeOpen, callbackOpen, plainSame, largeSame,
        callbackSame)) {
      expected += s.accepted * (s == withCallback || s == callbackOpen || s == callbackSame ? 2 : 1);
      got += s.delivered;
    }
    b.line("callbacks. deliveries expected / arrived", "%d / %d  %s", expected, got, expected == got ? "PASS" : "FAIL");
  }

  private Load.Result closed(LongFunction<Future<Integer>> send, long ms) throws Exception {
    return Bench.await(Load.closed(b.vertx, Bench.CONCURRENCY, ms, send));
  }

  private Load.Result open(LongFunction<Future<Integer>> send, double rate, long ms) throws Exception {
    return Bench.await(Load.open(b.vertx, rate, ms, Bench.CONCURRENCY * 8, send));
  }

  private void report(String how, Side plain, Side large, Side withCallback) {
    String p = "callbacks (" + how + "). ";
    b.line(p + "rounds, plain", "%s", String.join(", ", plain.rounds));
    b.line(p + "rounds, plain with a callback-sized body", "%s", String.join(", ", large.rounds));
    b.line(p + "rounds, with a callback", "%s", String.join(", ", withCallback.rounds));
    b.line(p + "sizes while publishing, plain", "%s", sizes(plain));
    b.line(p + "sizes while publishing, callback-sized", "%s", sizes(large));
    b.line(p + "sizes while publishing, with a callback", "%s", sizes(withCallback));
    b.line(p + "script calls per published message, plain", "%s", calls(plain));
    b.line(p + "script calls per published message, with a callback", "%s", calls(withCallback));
    double worth = plain.bestRedis + large.bestRedis;
    b.line(p + "redis CPU per published message (best)", "with a callback %.1f µs; plain %.1f µs + a"
        + " callback-sized publish %.1f µs = %.1f µs  %s (target: at most one more publish's worth)",
        withCallback.bestRedis, plain.bestRedis, large.bestRedis, worth, withCallback.bestRedis <= worth ? "PASS" : "FAIL");
    b.line(p + "the same against two plain publishes", "%.2f", withCallback.bestRedis / plain.bestRedis);
    // Each callback round against the plain and callback-sized rounds just before it: the machine drifts (every
    // kind's cost rose by half from the first round to the next in one run), and the best of each kind can come
    // from different states of it.
    List<Double> paired = new ArrayList<>();
    for (int i = 0; i < withCallback.redisByRound.size(); i++) {
      paired.add(withCallback.redisByRound.get(i) / (plain.redisByRound.get(i) + large.redisByRound.get(i)));
    }
    double median = Bench.median(paired);
    b.line(p + "redis CPU per published message, paired rounds", "with a callback / (plain + callback-sized) of the"
        + " same round: %s; median %.2f  %s (target: at most 1)", Bench.ratios(paired), median,
        median <= 1 ? "PASS" : "FAIL");
    List<Double> last = new ArrayList<>();
    List<Double> first = new ArrayList<>();
    for (int i = 0; i < paired.size(); i++) {
      (i % 2 == 0 ? last : first).add(paired.get(i));
    }
    if (!first.isEmpty()) {
      b.line(p + "paired rounds by order", "the callback round last: median %.2f; first: median %.2f",
          Bench.median(last), Bench.median(first));
    }
    b.line(p + "redis time per published message: plain", "%s", QueueBench.costliest(plain.commands, plain.accepted));
    b.line(p + "redis time per published message: with a callback", "%s",
        QueueBench.costliest(withCallback.commands, withCallback.accepted));
    b.line(p + "courier CPU per published message (best)", "with a callback %.1f µs, plain %.1f µs = %.2f",
        withCallback.bestCourier, plain.bestCourier, withCallback.bestCourier / plain.bestCourier);
  }

  /**
   * Waits after a round's drain until Redis is idle: a second in which it used at most 20 ms of CPU (its own
   * housekeeping uses about 5), for at most {@code bench.callbackSettleMax} seconds (15). Whatever a round leaves
   * Redis to do after its last delivery (the AOF's fsync of its last writes, memory given back, a rewrite) is then
   * counted in that round, and not in the next one, which may be of another kind (session 23 found 0–20 ms there,
   * idle within a second). Returns the seconds waited.
   */
  private int settle() throws Exception {
    int seconds = 0;
    double before = b.courier.cpuSeconds()[1];
    while (seconds < SETTLE_MAX) {
      Thread.sleep(1_000);
      seconds++;
      double now = b.courier.cpuSeconds()[1];
      if (now - before <= 0.02) {
        return seconds;
      }
      before = now;
    }
    return seconds;
  }

  private interface Run {
    Load.Result go() throws Exception;
  }

  private interface Step {
    void go() throws Exception;
  }

  /**
   * The i-th triple of a group: plain, callback-sized, with a callback, and the other way round every second time.
   * The machine's state drifts within a run, and a callback round that always came last would pay for a rising
   * drift in every pair; alternating cancels a steady one. The bench prints the two orders' medians apart (in
   * session 23 they differed by up to 0.16 either way from run to run: noise, not a steady drift).
   */
  private static void triple(int i, Step plain, Step large, Step withCallback) throws Exception {
    if (i % 2 == 0) {
      plain.go();
      large.go();
      withCallback.go();
    } else {
      withCallback.go();
      large.go();
      plain.go();
    }
  }

  /** One round, drained; returns its published rate. */
  private double round(Side side, Run load) throws Exception {
    b.sink.reset();
    double[] cpu0 = b.courier.cpuSeconds();
    Map<String, long[]> commands0 = QueueBench.commandStats(b);
    Map<String, Long> calls0 = scriptCalls();
    var running = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread sampler = sampler(side, running);
    long start = System.nanoTime();
    Load.Result r = load.go();
    // The publishing window on the monotonic clock, to cut a profile of Redis (perf record -k CLOCK_MONOTONIC)
    System.out.println("bench: round " + side.name + " " + start + " " + System.nanoTime());
    running.set(false);
    sampler.join();
    b.drain(300_000);
    double[] drained = b.courier.cpuSeconds();
    int settled = settle();
    double[] cpu1 = b.courier.cpuSeconds();
    scriptCalls().forEach((name, n) -> side.scriptCalls.merge(name, n - calls0.getOrDefault(name, 0L), Long::sum));
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
    side.redisByRound.add(redis);
    side.accepted += r.ok();
    side.delivered += b.sink.requests.get();
    side.rounds.add(String.format(Locale.ROOT, "%.0f published/s, redis %.1f µs (%.0f ms after the drain, %d s),"
        + " courier %.1f µs", r.rate(), redis, (cpu1[1] - drained[1]) * 1e3, settled, courier));
    return r.rate();
  }
}
