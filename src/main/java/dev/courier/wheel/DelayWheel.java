package dev.courier.wheel;

import dev.courier.dispatch.Delivery;
import dev.courier.dispatch.LeaseTokens;
import dev.courier.model.MessageCodec;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.ScriptRunner;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Claims due messages of one shard ({@code claimDue}) and reaps expired leases ({@code reapLeases}). */
public final class DelayWheel {
  private static final Logger LOG = LoggerFactory.getLogger(DelayWheel.class);
  private final ScriptRunner scripts;
  private final Keys keys;
  private final long leaseGraceMs;
  private final LeaseTokens tokens;

  public DelayWheel(ScriptRunner scripts, Keys keys, long leaseGraceMs, LeaseTokens tokens) {
    this.scripts = scripts;
    this.keys = keys;
    this.leaseGraceMs = leaseGraceMs;
    this.tokens = tokens;
  }

  /** What {@link #dueCount} answers when a gate can start messages: how many is not known, so all it can. */
  public static final long GATES_READY = Long.MAX_VALUE / 2;

  /**
   * About how much work the shard has by {@code until}: the timers due (ZCOUNT, O(log n)), or
   * {@link #GATES_READY} when a gate can start messages (ZCARD of the runnable set: a gate there may have
   * one ready message or a million, and free permits for all of them). Lets a claim hold delivery credit
   * for what is there rather than for a whole batch. A full or paused gate is in neither set: it costs
   * these two commands nothing, however many messages it holds.
   */
  public Future<Long> dueCount(int shard, long until) {
    Future<Response> timers = scripts.redis().send(shard, Request.cmd(Command.ZCOUNT).arg(keys.due(shard)).arg("-inf")
        .arg(until));
    Future<Response> gates = scripts.redis().send(shard, Request.cmd(Command.ZCARD).arg(keys.runnable(shard)));
    return Future.all(timers, gates).map(v -> gates.result().toLong() > 0 ? GATES_READY : timers.result().toLong());
  }

  /** Claims at most {@code max} messages due by {@code now}; the list may be shorter or empty. */
  public Future<List<Delivery>> claim(int shard, int max, long now) {
    return claim(shard, max, now, now);
  }

  /** Claims at most {@code max} messages due by {@code until} (&ge; now), earliest first. */
  public Future<List<Delivery>> claim(int shard, int max, long now, long until) {
    String token = tokens.next();
    return scripts.run(shard, LuaScript.CLAIM_DUE,
        keys.logged(shard, List.of(keys.due(shard), keys.lease(shard), keys.messages(shard), keys.retried(shard),
            keys.gated(shard), keys.runnable(shard))),
        List.of(now, max, leaseGraceMs, token, until, keys.gatePrefix(shard)))
        .map(reply -> parse(reply, shard, token));
  }

  /**
   * One stored message that cannot be read (written by hand, or by another build) must not hold up the
   * batch it was claimed with: that batch would fail whole, be reaped and claimed again, for ever. It is
   * removed, with an ERROR naming it; it could never have been delivered.
   */
  private List<Delivery> parse(Response reply, int shard, String token) {
    List<Delivery> out = new ArrayList<>(reply.size());
    for (Response f : reply) {
      String id = f.get(0).toString();
      try {
        out.add(new Delivery(shard, id, MessageCodec.decode(f.get(1).toBuffer()), f.get(2).toInteger(), token,
            (long) Double.parseDouble(f.get(3).toString())));
      } catch (RuntimeException e) {
        LOG.error("stored message {} cannot be read ({}); removing it", id, e.getMessage());
        scripts.run(shard, LuaScript.CANCEL_MESSAGE, keys.cancelKeys(shard), List.of(id, keys.gatePrefix(shard)))
            .onFailure(err -> LOG.error("could not remove stored message {}: {}", id, err.getMessage()));
      }
    }
    return out;
  }

  public Future<Integer> reap(int shard, long now, int max) {
    return scripts.run(shard, LuaScript.REAP_LEASES,
        keys.logged(shard, List.of(keys.lease(shard), keys.due(shard), keys.messages(shard), keys.retried(shard),
            keys.gated(shard), keys.runnable(shard))),
        List.of(now, max, keys.gatePrefix(shard))).map(Response::toInteger);
  }
}
