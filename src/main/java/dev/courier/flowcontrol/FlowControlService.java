package dev.courier.flowcontrol;

import dev.courier.model.Gates;
import dev.courier.queues.QueueService.QuotaExceededException;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.ScriptRunner;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Flow-control keys (qstash-api.md §16): a key is a gate {@code f:<key>} (design.md §3a) in the shard of its
 * name, created and configured by the messages that carry it (the store script), bounding the attempts in
 * flight (parallelism) and the attempts started per period (rate) across all nodes. This service reads,
 * pauses, pins and resets them, and bounds how many there are ({@code flow-control.max-keys}).
 */
public final class FlowControlService {
  /** How long a publish trusts that a key it saw exists (one EXISTS per key per this, per event loop). */
  private static final long KNOWN_FOR_MS = 1_000;
  private static final int KNOWN_MAX = 10_000;

  private final ScriptRunner scripts;
  private final Keys keys;
  private final int maxKeys;
  private final Map<String, Long> known = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > KNOWN_MAX;
    }
  };

  /**
   * A key as the API shows it (qstash-api.md §5.9): every field a number or a boolean. A limit not set is
   * 0; the rate count is that of the current window (0 once it ended), and the period start that window's.
   */
  public record Info(String key, long waitListSize, int parallelismMax, long parallelismCount, int rateMax,
      long rateCount, long ratePeriodSeconds, long ratePeriodStartSeconds, boolean paused, boolean pinnedParallelism,
      boolean pinnedRate) {
    public JsonObject toJson() {
      return new JsonObject().put("flowControlKey", key).put("waitListSize", waitListSize)
          .put("parallelismMax", parallelismMax).put("parallelismCount", parallelismCount).put("rateMax", rateMax)
          .put("rateCount", rateCount).put("ratePeriod", ratePeriodSeconds)
          .put("ratePeriodStart", ratePeriodStartSeconds).put("isPaused", paused)
          .put("isPinnedParallelism", pinnedParallelism).put("isPinnedRate", pinnedRate);
    }
  }

  /** One instance per event loop (not thread-safe). */
  public FlowControlService(ScriptRunner scripts, Keys keys, int maxKeys) {
    this.scripts = scripts;
    this.keys = keys;
    this.maxKeys = maxKeys;
  }

  /**
   * A publish's check: the key exists, or there is room for one more (the store script creates it). Fails
   * with {@link QuotaExceededException} (412) past {@code flow-control.max-keys}.
   */
  public Future<Void> ensure(String key) {
    Long seen = known.get(key);
    long now = System.currentTimeMillis();
    if (seen != null && now - seen < KNOWN_FOR_MS) {
      return Future.succeededFuture();
    }
    String gate = Gates.flowControl(key);
    int s = keys.shardOfGate(gate);
    return scripts.redis().send(s, Request.cmd(Command.EXISTS).arg(keys.gate(s, gate))).compose(exists -> {
      if (exists.toLong() == 1L) {
        known.put(key, now);
        return Future.succeededFuture();
      }
      return count().compose(n -> n >= maxKeys
          ? Future.failedFuture(new QuotaExceededException("too many flow-control keys: the limit is " + maxKeys
              + " (flow-control.max-keys)"))
          : Future.succeededFuture());
    });
  }

  private Future<Long> count() {
    List<Future<Response>> counts = new ArrayList<>();
    for (int s = 0; s < keys.shards(); s++) {
      counts.add(scripts.redis().send(s, Request.cmd(Command.SCARD).arg(keys.flows(s))));
    }
    return Future.all(counts).map(cf -> counts.stream().mapToLong(f -> f.result().toLong()).sum());
  }

  /** The key, or null when there is none of that name. */
  public Future<Info> get(String key) {
    String gate = Gates.flowControl(key);
    int s = keys.shardOfGate(gate);
    Future<Response> config = scripts.redis().send(s, Request.cmd(Command.HMGET).arg(keys.gate(s, gate))
        .arg("created").arg("parallelism").arg("rate").arg("period").arg("windowStart").arg("windowCount")
        .arg("paused").arg("pinnedParallelism").arg("pinnedRate"));
    Future<Response> ready = scripts.redis().send(s, Request.cmd(Command.LLEN).arg(keys.gateReady(s, gate)));
    Future<Response> active = scripts.redis().send(s, Request.cmd(Command.SCARD).arg(keys.gateActive(s, gate)));
    return Future.all(config, ready, active).map(v -> {
      Response c = config.result();
      if (c.get(0) == null) {
        return null;
      }
      long period = number(c.get(3), 1_000);
      long windowStart = number(c.get(4), 0);
      long now = System.currentTimeMillis();
      boolean current = windowStart > 0 && now < windowStart + period;
      return new Info(key, ready.result().toLong(), (int) number(c.get(1), 0), active.result().toLong(),
          (int) number(c.get(2), 0), current ? number(c.get(5), 0) : 0, period / 1000, windowStart / 1000,
          "1".equals(text(c.get(6))), "1".equals(text(c.get(7))), "1".equals(text(c.get(8))));
    });
  }

  private static long number(Response r, long absent) {
    return r == null ? absent : (long) Double.parseDouble(r.toString());
  }

  private static String text(Response r) {
    return r == null ? null : r.toString();
  }

  /** Every key whose name contains {@code search} (every key for null or empty), by name. */
  public Future<List<Info>> list(String search) {
    List<Future<Response>> members = new ArrayList<>();
    for (int s = 0; s < keys.shards(); s++) {
      members.add(scripts.redis().send(s, Request.cmd(Command.SMEMBERS).arg(keys.flows(s))));
    }
    return Future.all(members).compose(cf -> {
      List<Future<Info>> found = new ArrayList<>();
      for (Future<Response> m : members) {
        for (Response gate : m.result()) {
          String key = Gates.name(gate.toString());
          if (search == null || key.contains(search)) {
            found.add(get(key));
          }
        }
      }
      return Future.all(found).map(all -> found.stream().map(Future::result).filter(i -> i != null)
          .sorted(Comparator.comparing(Info::key)).toList());
    });
  }

  /** Pauses or resumes; false for an unknown key. The rate window keeps running while paused. */
  public Future<Boolean> setPaused(String key, boolean paused) {
    String gate = Gates.flowControl(key);
    int s = keys.shardOfGate(gate);
    return scripts.run(s, LuaScript.CONFIGURE_GATE, List.of(keys.flows(s), keys.runnable(s)),
        List.of(keys.gatePrefix(s), gate, "", paused ? "1" : "0", System.currentTimeMillis(), "0"))
        .map(r -> r.toLong() == 1L);
  }

  /** Sets and pins the limits given (null: not given) and resets the rate state; false for an unknown key. */
  public Future<Boolean> pin(String key, Integer parallelism, Integer rate, Long periodMs) {
    return change(key, "pin", parallelism == null ? "" : parallelism.toString(), rate == null ? "" : rate.toString(),
        periodMs == null ? "" : periodMs.toString());
  }

  /** Lets messages change the parallelism and/or the rate again; false for an unknown key. */
  public Future<Boolean> unpin(String key, boolean parallelism, boolean rate) {
    return change(key, "unpin", parallelism ? "1" : "0", rate ? "1" : "0", "");
  }

  /** Rate count 0, a new window starting now; false for an unknown key. */
  public Future<Boolean> resetRate(String key) {
    return change(key, "resetRate", "", "", "");
  }

  /** How long a key must have been idle before {@link #expireIdle} removes it. */
  public static final long IDLE_MS = 60_000;
  private static final int EXPIRE_PAGE = 200;

  /**
   * Removes the shard's idle keys (nothing waiting, in flight or delayed, window ended, not paused or pinned,
   * unchanged for {@code idleMs}): one pass over its registry, a page per script call. The count removed.
   */
  public Future<Long> expireIdle(int shard, long now, long idleMs) {
    return expirePage(shard, now, idleMs, "0", 0);
  }

  private Future<Long> expirePage(int s, long now, long idleMs, String cursor, long removed) {
    return scripts.run(s, LuaScript.EXPIRE_FLOW_CONTROL, List.of(keys.flows(s), keys.runnable(s), keys.due(s)),
        List.of(keys.gatePrefix(s), now, idleMs, cursor, EXPIRE_PAGE)).compose(r -> {
          long total = removed + r.get(1).toLong();
          String next = r.get(0).toString();
          return "0".equals(next) ? Future.succeededFuture(total) : expirePage(s, now, idleMs, next, total);
        });
  }

  private Future<Boolean> change(String key, String op, String a, String b, String c) {
    String gate = Gates.flowControl(key);
    int s = keys.shardOfGate(gate);
    return scripts.run(s, LuaScript.CHANGE_FLOW_CONTROL, List.of(keys.runnable(s)),
        List.of(keys.gatePrefix(s), gate, op, a, b, c, System.currentTimeMillis())).map(r -> r.toLong() == 1L);
  }
}
