package dev.courier.wheel;

import dev.courier.config.AppConfig;
import dev.courier.dispatch.Handoff;
import dev.courier.dispatch.LeaseTokens;
import dev.courier.dispatch.DispatchCredit;
import dev.courier.flowcontrol.FlowControlService;
import dev.courier.metrics.CourierMetrics;
import dev.courier.redis.Keys;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's delay wheel (one instance per node): every tick, or when woken, claims the messages of each
 * shard that are due or fall due before the next tick, in batches no larger than the free delivery credit,
 * and hands them to the dispatchers (which hold an early one until its due time); a second timer reaps
 * expired leases, and a third removes idle flow-control keys. A full batch triggers another claim at once, so a backlog drains at the dispatchers'
 * pace, not the tick's.
 */
public final class WheelVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WheelVerticle.class);
  private static final int REAP_BATCH = 1000;
  /** Bounds how long a claimed message may wait in a dispatcher for its due time (and hold credit). */
  private static final long MAX_LOOKAHEAD_MS = 1000;

  private final AppConfig config;
  private final Keys keys;
  private final DispatchCredit credit;
  private final Wakeup wakeup;
  private final LeaseTokens tokens;
  private final Handoff handoff;
  private final CourierMetrics metrics;
  private RedisConnector redis;
  private DelayWheel wheel;
  private FlowControlService flows;
  /** Per shard: its last claim was full, or lacked credit, so more is probably due. */
  private boolean[] backlog;
  private boolean claiming;
  private boolean again;
  /** Set by stop: no claim starts after it (a wake-up from a dispatcher's outcome may still arrive). */
  private boolean stopping;
  /** Reaper and idle-key calls under way: a stop waits for them as for a claim. */
  private int calls;
  private long lastError;

  public WheelVerticle(AppConfig config, Keys keys, DispatchCredit credit, Wakeup wakeup, LeaseTokens tokens,
      Handoff handoff) {
    this(config, keys, credit, wakeup, tokens, handoff, CourierMetrics.disabled());
  }

  /** @param metrics times the claim and reap scripts, counts the claims that found no free permit */
  public WheelVerticle(AppConfig config, Keys keys, DispatchCredit credit, Wakeup wakeup, LeaseTokens tokens,
      Handoff handoff, CourierMetrics metrics) {
    this.metrics = metrics;
    this.config = config;
    this.keys = keys;
    this.credit = credit;
    this.wakeup = wakeup;
    this.tokens = tokens;
    this.handoff = handoff;
  }

  @Override
  public Future<?> start() {
    redis = new RedisConnector(vertx, config.redis().url());
    wheel = new DelayWheel(new ScriptRunner(redis, metrics), keys, config.delivery().leaseGraceMs(), tokens);
    backlog = new boolean[keys.shards()];
    wakeup.bind(context, this::tick);
    credit.onFreed(wakeup);
    vertx.setPeriodic(config.delivery().tickIntervalMs(), id -> tick());
    vertx.setPeriodic(config.delivery().reaperIntervalMs(), id -> reap());
    flows = new FlowControlService(new ScriptRunner(redis, metrics), keys, config.flowControl().maxKeys());
    vertx.setPeriodic(FlowControlService.IDLE_MS / 2, id -> expireIdleFlowKeys());
    return Future.succeededFuture();
  }

  private void tick() {
    if (stopping) {
      return;
    }
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    again = false;
    claimShards(0, false).onComplete(ar -> {
      claiming = false;
      if (ar.failed()) {
        logThrottled("claim failed: " + ar.cause().getMessage());
      } else if (again || ar.result()) {
        tick();
      }
    });
  }

  /**
   * Claims from shard {@code s} onwards; true when some shard had more due than it claimed. A pass through
   * every shard with no such shard has caught up, and ingest may hand immediate messages over directly
   * again.
   *
   * <p>Credit is held for the length of a claim's round trip, and direct dispatch needs the same credit: so
   * a shard that looked drained is counted first (ZCOUNT) and the claim holds credit only for what is due.
   * An idle tick holds none. A shard whose last claim came back full is claimed at once, without a count.
   */
  private Future<Boolean> claimShards(int s, boolean more) {
    if (s >= keys.shards()) {
      if (!more) {
        credit.wheelCaughtUp();
      }
      return Future.succeededFuture(more);
    }
    int batchSize = config.delivery().claimBatch();
    // What falls due before the next tick is claimed at this one, and the dispatcher sends it on time:
    // otherwise a delayed message would wait for the tick after its due time, then for the claim.
    long until = System.currentTimeMillis() + Math.min(config.delivery().tickIntervalMs(), MAX_LOOKAHEAD_MS);
    boolean skipCount = backlog[s] | wakeup.takeGateReady(s);
    Future<Long> due = skipCount ? Future.succeededFuture((long) batchSize) : wheel.dueCount(s, until);
    return due.compose(n -> {
      if (n == 0) {
        return claimShards(s + 1, more);
      }
      int wanted = credit.acquire((int) Math.min(n, batchSize));
      if (wanted == 0) {
        metrics.permitWait();
        backlog[s] = true;
        return Future.succeededFuture(false); // woken again when credit comes back
      }
      return wheel.claim(s, wanted, System.currentTimeMillis(), until)
          .onFailure(err -> credit.release(wanted))
          .compose(batch -> {
            credit.release(wanted - batch.size());
            handoff.spread(batch);
            backlog[s] = batch.size() == wanted && (backlog[s] || n > wanted);
            return claimShards(s + 1, more || backlog[s]);
          });
    });
  }

  private void reap() {
    if (stopping) {
      return; // what is left is reaped by another node, or by this one when it starts again
    }
    long now = System.currentTimeMillis();
    for (int s = 0; s < keys.shards(); s++) {
      reap(s, now);
    }
  }

  /** Bounded calls, repeated while they come back full: a dead node's thousands of leases all return. */
  private void reap(int shard, long now) {
    calls++;
    wheel.reap(shard, now, REAP_BATCH).onComplete(ar -> {
      calls--;
      if (ar.failed()) {
        logThrottled("reaper failed: " + ar.cause().getMessage());
      } else if (ar.result() > 0) {
        LOG.info("handled {} expired leases (their messages back on the wheel, unless cancelled)", ar.result());
        wakeup.run();
        if (ar.result() == REAP_BATCH && !stopping) {
          reap(shard, now);
        }
      }
    });
  }

  /** Free-form keys must not pile up until flow-control.max-keys refuses new ones (FlowControlService). */
  private void expireIdleFlowKeys() {
    if (stopping) {
      return;
    }
    long now = System.currentTimeMillis();
    for (int s = 0; s < keys.shards(); s++) {
      calls++;
      flows.expireIdle(s, now, FlowControlService.IDLE_MS).onComplete(ar -> {
        calls--;
        if (ar.failed()) {
          logThrottled("removing idle flow-control keys failed: " + ar.cause().getMessage());
        }
      });
    }
  }

  /** Redis being down is logged once every few seconds, not once per tick. */
  private void logThrottled(String msg) {
    long now = System.currentTimeMillis();
    if (now - lastError > 5_000) {
      lastError = now;
      LOG.warn(msg);
    }
  }

  /**
   * Starts no claim and lets the one under way finish before the connection closes: closing under it failed
   * the claim with CONNECTION_CLOSED, a WARN on every clean stop (what it had claimed went to the dispatchers,
   * which are stopped after the wheel and finish it). The reaper's and the idle-key calls under way finish too, for
   * the same reason.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    io.vertx.core.Promise<Void> idle = io.vertx.core.Promise.promise();
    awaitIdle(idle, System.currentTimeMillis() + 5_000);
    return idle.future().eventually(redis::close);
  }

  private void awaitIdle(io.vertx.core.Promise<Void> idle, long deadline) {
    if (!claiming && calls == 0 || System.currentTimeMillis() >= deadline) {
      idle.complete();
    } else {
      vertx.setTimer(5, t -> awaitIdle(idle, deadline));
    }
  }
}
