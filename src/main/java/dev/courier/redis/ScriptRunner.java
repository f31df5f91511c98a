package dev.courier.redis;

import dev.courier.metrics.CourierMetrics;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link LuaScript}s with EVALSHA on a {@link RedisConnector}. Redis forgets scripts on restart or
 * SCRIPT FLUSH; on NOSCRIPT the scripts are loaded again and the call repeated, so callers never see it.
 * A repeated call may find its own effect (a batch failed whole after one of its scripts ran): the
 * outcome scripts are written so that running one twice changes nothing more; a repeated claim leaves
 * the first claim's messages leased until the reaper returns them. RedisConnector loads every script on
 * each new connection, so this needs a SCRIPT FLUSH while connected.
 */
public final class ScriptRunner {
  private final RedisConnector redis;
  private final CourierMetrics metrics;

  /** Unmeasured: start-up steps and tests. */
  public ScriptRunner(RedisConnector redis) {
    this(redis, null);
  }

  /** @param metrics where each call's duration is recorded, by script (null: not recorded) */
  public ScriptRunner(RedisConnector redis, CourierMetrics metrics) {
    this.redis = redis;
    this.metrics = metrics;
  }

  public RedisConnector redis() {
    return redis;
  }

  /** Loads every script (start-up); later calls then never pay the NOSCRIPT round trip. */
  public Future<Void> loadAll() {
    Future<?> chain = Future.succeededFuture();
    for (LuaScript script : LuaScript.values()) {
      chain = chain.compose(v -> load(script));
    }
    return chain.mapEmpty();
  }

  private Future<Response> load(LuaScript script) {
    return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.source()));
  }

  /**
   * @param keys exactly {@link LuaScript#numKeys()} keys, and the outbox after them for a {@link LuaScript#logged}
   *     script while the event log is on ({@link Keys#logged})
   * @param args String, Buffer, byte[], Long or Integer values
   */
  public Future<Response> run(LuaScript script, List<String> keys, List<?> args) {
    return run(RedisConnector.ANY_SHARD, script, keys, args);
  }

  /** As {@link #run(LuaScript, List, List)}, in the batch of {@code shard}, whose keys these are. */
  public Future<Response> run(int shard, LuaScript script, List<String> keys, List<?> args) {
    if (keys.size() != script.numKeys() && !(script.logged() && keys.size() == script.numKeys() + 1)) {
      throw new IllegalArgumentException(script.file() + " takes " + script.numKeys() + " keys, got " + keys.size());
    }
    Future<Response> reply = redis.send(shard, request(script, keys, args)).recover(err -> {
      String msg = err.getMessage();
      // contains, not startsWith: a failed batch reports the errors of all its commands together.
      // Every script is reloaded, not just this one, so that batches mixing scripts recover at once.
      if (msg != null && msg.contains("NOSCRIPT")) {
        return loadAll().compose(loaded -> redis.send(shard, request(script, keys, args)));
      }
      return Future.failedFuture(err);
    });
    if (metrics != null) {
      Timer timer = metrics.script(script);
      long start = System.nanoTime();
      reply.onComplete(ar -> timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
    }
    return reply;
  }

  /** The EVALSHA request for one call (public for the JMH benchmark of this hot spot). */
  public static Request request(LuaScript script, List<String> keys, List<?> args) {
    Request req = Request.cmd(Command.EVALSHA).arg(script.sha()).arg(keys.size());
    for (String key : keys) {
      req.arg(key);
    }
    for (Object a : args) {
      if (a instanceof Buffer b) {
        req.arg(b);
      } else if (a instanceof byte[] bytes) {
        req.arg(bytes);
      } else if (a instanceof Long l) {
        req.arg(l);
      } else if (a instanceof Integer i) {
        req.arg(i);
      } else {
        req.arg(String.valueOf(a));
      }
    }
    return req;
  }
}
