package dev.courier.metrics;

import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.OneAtATime;
import dev.courier.redis.RedisConnector;
import io.vertx.core.CompositeFuture;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the backlog's sizes from Redis every {@code metrics.sample-interval} (one node, one verticle): per shard
 * one MULTI of six O(1) or O(log n) commands, so the gauges cost Redis nothing per message and nothing on the hot
 * path. Also the node's one line when Redis is lost and when it is back: the wheel and the dispatchers would
 * otherwise only log their failures, throttled.
 */
public final class BacklogSampler extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(BacklogSampler.class);

  private final String redisUrl;
  private final Keys keys;
  private final BacklogSample sample;
  private final long intervalMs;
  private final boolean countGates;
  private RedisConnector redis;
  private final OneAtATime<CompositeFuture> passes = new OneAtATime<>();
  private boolean lost;

  /** @param countGates read what the gates hold too (one SCARD per gate): only while someone can read the metrics */
  public BacklogSampler(String redisUrl, Keys keys, BacklogSample sample, long intervalMs, boolean countGates) {
    this.countGates = countGates;
    this.redisUrl = redisUrl;
    this.keys = keys;
    this.sample = sample;
    this.intervalMs = intervalMs;
  }

  @Override
  public Future<?> start() {
    redis = new RedisConnector(vertx, redisUrl);
    vertx.setPeriodic(0, intervalMs, id -> sampleOnce());
    return Future.succeededFuture();
  }

  /** One pass over the shards; a pass still at work (Redis slow) is not overtaken by the next. */
  void sampleOnce() {
    passes.run(this::pass);
  }

  private Future<CompositeFuture> pass() {
    long now = System.currentTimeMillis();
    List<Future<Response>> shards = new ArrayList<>(keys.shards());
    for (int s = 0; s < keys.shards(); s++) {
      shards.add(readShard(s, now));
    }
    return Future.all(shards).onComplete(ar -> {
      if (ar.failed()) {
        sample.redisDown();
        if (!lost) {
          lost = true;
          LOG.warn("redis lost: {} (publishes answer 503 and nothing is delivered until it is back)",
              ar.cause().getMessage());
        }
        return;
      }
      if (lost) {
        lost = false;
        LOG.info("redis back");
      }
      long due = 0;
      long onWheel = 0;
      long leased = 0;
      long stored = 0;
      long dlq = 0;
      long oldestDue = Long.MAX_VALUE;
      long[] gates = new long[4];
      for (Future<Response> f : shards) {
        Response exec = f.result();
        due += exec.get(0).toLong();
        onWheel += exec.get(1).toLong();
        leased += exec.get(2).toLong();
        stored += exec.get(3).toLong();
        dlq += exec.get(4).toLong();
        Response oldest = exec.get(5);
        if (oldest != null && oldest.size() > 0) {
          oldestDue = Math.min(oldestDue, firstScore(oldest));
        }
        for (int i = 0; countGates && i < gates.length; i++) {
          gates[i] += exec.get(6).get(i).toLong();
        }
      }
      // What is neither on the wheel nor leased waits in a gate's ready list (a queue or a flow-control key).
      // The wheel also holds the rate-window timers of flow-control keys, hence the clamp.
      long queued = Math.max(0, stored - onWheel - leased);
      double lag = oldestDue <= now ? (now - oldestDue) / 1000.0 : 0;
      sample.update(due, onWheel - due, leased, queued, dlq, lag);
      sample.gates(gates[0], gates[1], gates[2], gates[3]);
    });
  }

  /** ZRANGE … WITHSCORES of one member: a pair under RESP3, a flat list under RESP2. */
  private static long firstScore(Response reply) {
    Response first = reply.get(0);
    Response score = first.type() == ResponseType.MULTI ? first.get(1) : reply.get(1);
    return (long) Double.parseDouble(score.toString());
  }

  /**
   * EXEC's reply: due now, on the wheel, leased, stored, dead letters, the oldest due timer, and what the gates
   * hold (countPermits).
   */
  private Future<Response> readShard(int s, long now) {
    redis.send(s, Request.cmd(Command.MULTI));
    redis.send(s, Request.cmd(Command.ZCOUNT).arg(keys.due(s)).arg("-inf").arg(now));
    redis.send(s, Request.cmd(Command.ZCARD).arg(keys.due(s)));
    redis.send(s, Request.cmd(Command.ZCARD).arg(keys.lease(s)));
    redis.send(s, Request.cmd(Command.HLEN).arg(keys.messages(s)));
    redis.send(s, Request.cmd(Command.ZCARD).arg(keys.dlq(s)));
    redis.send(s, Request.cmd(Command.ZRANGE).arg(keys.due(s)).arg(0).arg(0).arg("WITHSCORES"));
    if (countGates) {
      // EVAL, not EVALSHA: a Redis that restarted without the scripts still answers the sample
      redis.send(s, Request.cmd(Command.EVAL).arg(LuaScript.COUNT_PERMITS.source()).arg(2).arg(keys.gates(s))
          .arg(keys.flows(s)).arg(keys.gatePrefix(s)));
    }
    return redis.send(s, Request.cmd(Command.EXEC)).map(r -> {
      if (r == null) {
        throw new IllegalStateException("transaction aborted");
      }
      return r;
    });
  }

  @Override
  public Future<?> stop() {
    // The pass under way finishes first: closing Redis under it failed it, and it said "redis lost" on a clean stop.
    return passes.idle().eventually(redis::close);
  }
}
