package dev.courier.bench;

import dev.courier.bootstrap.EmbeddedRedis;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import dev.courier.support.TempDirs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the outcome scripts cost Redis, script by script, on the embedded redis-server with its AOF as Courier runs
 * it: storing messages (storeMessages), acking them (ackDelivered) and acking them with one callback each that the
 * node takes at once, as CallbackBench's rounds do end to end. Redis's CPU (INFO cpu, every thread of the process)
 * per message, each phase alone. The callbacks issue's target in these terms: an ack with a callback may cost at
 * most a plain ack plus the store of a callback-sized message. Run by hand: the test classpath and {@code java
 * dev.courier.bench.AckScriptBenchmark}; {@code -Dbench.eventLog=false} without the outbox, {@code
 * -Dbench.messages} (20000), {@code -Dbench.rounds} (3), {@code -Dbench.bodies} (same, front or spread: whether
 * the bodies differ, and where, since Lua interns every argument by a hash of some of its characters). Each round
 * also prices storing a callback's form outside the script: an ack with a 7-byte callback plus a plain HSET of the
 * callback-sized forms in MULTI (what a publish does).
 */
public final class AckScriptBenchmark {
  private static final int MESSAGES = Integer.getInteger("bench.messages", 20_000);
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
  private static final int BATCH = 50;
  private static final boolean LOGGED = !"false".equals(System.getProperty("bench.eventLog"));

  private final Keys keys = new Keys("courier", 1, LOGGED);
  private final RedisConnector redis;
  private final ScriptRunner scripts;
  private int serial;
  /** The first message of the last store. */
  private int first;

  private AckScriptBenchmark(RedisConnector redis) {
    this.redis = redis;
    this.scripts = new ScriptRunner(redis);
  }

  private static final String BODIES = System.getProperty("bench.bodies", "same");

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    EmbeddedRedis server = EmbeddedRedis.start(TempDirs.createForJvm("ack-bench"));
    try {
      RedisConnector redis = new RedisConnector(vertx, server.url());
      AckScriptBenchmark b = new AckScriptBenchmark(redis);
      await(b.scripts.loadAll());
      String source = blob(270); // the bench's message: a 200-byte body with its url and headers
      String large = blob(1_100); // a callback message (its JSON body carries the source's body and the response)
      b.round(source, large); // warm-up
      for (int r = 0; r < ROUNDS; r++) {
        double store = b.store(source);
        double ack = b.ack(false, large);
        double storeLarge = b.store(large);
        double ackLarge = b.ack(false, large);
        b.store(source);
        double ackCallback = b.ack(true, large);
        b.store(source);
        double ackSmall = b.ack(true, "30000:x");
        double hsetLarge = b.hsetCallbacks(large);
        System.out.printf("  the same with the callback's stored form outside the script: ack with a 7-byte callback "
            + "%.1f + a plain HSET of the callback-sized forms %.1f = %.1f%n", ackSmall, hsetLarge, ackSmall + hsetLarge);
        System.out.printf("event log %s, µs of Redis CPU per message: store %.1f, ack %.1f; store callback-sized "
            + "%.1f, its ack %.1f; ack with a callback %.1f, against ack + callback-sized store %.1f%n",
            LOGGED ? "on" : "off", store, ack, storeLarge, ackLarge, ackCallback, ack + storeLarge);
        await(redis.send(Request.cmd(Command.FLUSHALL)));
      }
      await(redis.close());
    } finally {
      server.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private void round(String source, String large) {
    store(source);
    ack(false, large);
    store(source);
    ack(true, large);
    await(redis.send(Request.cmd(Command.FLUSHALL)));
  }

  /** Stores MESSAGES messages of this body, due in an hour, then leases them (unmeasured) as a claim would. */
  private double store(String body) {
    first = serial;
    double cpu = measure(() -> {
      for (int from = 0; from < MESSAGES; from += BATCH) {
        List<Object> args = new ArrayList<>(List.of(keys.dedupPrefix(0), 600_000L, 0L, keys.gatePrefix(0),
            System.currentTimeMillis()));
        for (int i = 0; i < BATCH; i++) {
          args.add(id(serial++));
          args.add(System.currentTimeMillis() + 3_600_000);
          args.add("");
          args.add(distinct(body, serial - 1));
          args.add("");
          args.add("");
        }
        await(scripts.run(0, LuaScript.STORE_MESSAGES, storeKeys(), args));
      }
    });
    Request lease = Request.cmd(Command.ZADD).arg(keys.lease(0));
    for (int n = first; n < serial; n++) {
      lease.arg(System.currentTimeMillis() + 60_000).arg(id(n) + "|t");
    }
    await(redis.send(lease));
    return cpu;
  }

  /** Acks the messages stored last, each with one callback of {@code large} taken at once when asked. */
  private double ack(boolean callbacks, String large) {
    return measure(() -> {
      for (int from = first; from < serial; from += BATCH) {
        int to = Math.min(serial, from + BATCH);
        List<Object> args = new ArrayList<>(List.of(keys.gatePrefix(0), (long) (to - from)));
        for (int n = from; n < to; n++) {
          args.add(id(n));
          args.add("t");
        }
        if (callbacks) {
          for (int n = from; n < to; n++) {
            args.add((long) (n - from + 1));
            args.add(1L);
            args.add(id(n) + "c");
            args.add(distinct(large, n));
            args.add(System.currentTimeMillis());
            args.add(Long.toString(System.currentTimeMillis() + 60_000));
            args.add("t");
          }
        }
        await(scripts.run(0, LuaScript.ACK_DELIVERED, keys.ackKeys(0), args));
      }
    });
  }

  /** Writes a callback-sized form per message stored last with a plain HSET in MULTI, 50 a transaction. */
  private double hsetCallbacks(String large) {
    return measure(() -> {
      for (int from = first; from < serial; from += BATCH) {
        int to = Math.min(serial, from + BATCH);
        Request hset = Request.cmd(Command.HSET).arg(keys.messages(0));
        for (int n = from; n < to; n++) {
          hset.arg(id(n) + "d").arg(distinct(large, n));
        }
        redis.send(Request.cmd(Command.MULTI));
        redis.send(hset);
        await(redis.send(Request.cmd(Command.EXEC)));
      }
    });
  }

  private List<String> storeKeys() {
    return keys.logged(0, List.of(keys.due(0), keys.messages(0), keys.gated(0), keys.runnable(0), keys.gates(0),
        keys.flows(0)));
  }

  private double measure(Runnable phase) {
    double before = cpuSeconds();
    phase.run();
    return (cpuSeconds() - before) * 1e6 / MESSAGES;
  }

  private double cpuSeconds() {
    String info = await(redis.send(Request.cmd(Command.INFO).arg("cpu"))).toString();
    double total = 0;
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
        total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return total;
  }

  /**
   * The body of message n as bench.bodies asks: "same" (one string for all), "front" (n written into its first 24
   * characters, as ids and times differ near the start of a stored message) or "spread" (n's digits every 16
   * characters).
   */
  private static String distinct(String body, int n) {
    switch (BODIES) {
      case "front":
        return String.format("%024d", n) + body.substring(24);
      case "spread":
        StringBuilder sb = new StringBuilder(body);
        String digits = String.format("%08d", n);
        for (int i = 0, at = 7; at < sb.length(); i++, at += 16) {
          sb.setCharAt(at, digits.charAt(i % digits.length()));
        }
        return sb.toString();
      default:
        return body;
    }
  }

  private static String id(int n) {
    return String.format("msg_0_%024d", n);
  }

  private static String blob(int bytes) {
    return "30000:" + "x".repeat(bytes - 6);
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
