package dev.courier.dispatch;

import dev.courier.api.HeaderNames;
import dev.courier.metrics.CourierMetrics;
import dev.courier.model.HeaderCodec;
import dev.courier.redis.GroupCommit;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.MessageFields;
import dev.courier.redis.ScriptRunner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntConsumer;

/**
 * Writes an attempt's outcome back to Redis, fenced by the lease token. The future carries
 * {@code false} when the lease was lost (reaped after a stall, or the message cancelled): then nothing
 * was written, by design. Acks, the common case, are batched per shard
 * ({@link GroupCommit}).
 */
public final class OutcomeWriter {
  private static final int MAX_BATCH = 512;

  private final ScriptRunner scripts;
  private final Keys keys;
  private final long dlqRetentionMs;
  private final IntConsumer wakeClaims;
  private final CourierMetrics metrics;
  private final List<GroupCommit<Ack, Boolean>> acks = new ArrayList<>();

  /** A delivered message and the callback messages its attempt fires. */
  private record Ack(Delivery d, List<CallbackMessages.Made> callbacks) {}

  /**
   * @param wakeClaims takes the shard of an outcome that gave a permit back to a gate with ready work: the wheel
   *     claims the next message now rather than at its next tick (a parallelism-1 queue is not paced by it)
   */
  public OutcomeWriter(Context context, ScriptRunner scripts, Keys keys, long dlqRetentionMs,
      IntConsumer wakeClaims, CourierMetrics metrics) {
    this.metrics = metrics;
    this.scripts = scripts;
    this.keys = keys;
    this.dlqRetentionMs = dlqRetentionMs;
    this.wakeClaims = wakeClaims;
    for (int s = 0; s < keys.shards(); s++) {
      int shard = s;
      acks.add(new GroupCommit<>(context, MAX_BATCH, batch -> ack(shard, batch)));
    }
  }

  public Future<Boolean> write(Delivery d, Outcome outcome, long now) {
    int s = d.shard();
    if (outcome instanceof Outcome.Delivered delivered) {
      return acks.get(s).submit(new Ack(d, CallbackMessages.of(d, delivered.response(), null, now)));
    }
    Future<Response> reply;
    List<CallbackMessages.Made> callbacks;
    if (outcome instanceof Outcome.Retry retry) {
      List<Object> args = new ArrayList<>(List.of(d.id(), d.leaseToken(), retry.dueAt(), d.retried() + 1L,
          keys.gatePrefix(s), flowControlled(d) ? "1" : "0"));
      callbacks = CallbackMessages.of(d, retry.last(), null, now);
      callbacks.forEach(c -> c.addTo(args));
      reply = scripts.run(s, LuaScript.SCHEDULE_RETRY, keys.retryKeys(s), args);
      if (!callbacks.isEmpty()) {
        // a callback stored with the retry is due soon: the wheel claims the shard now, not at its next tick
        reply = reply.onSuccess(r -> wakeClaims.accept(s));
      }
    } else {
      Outcome.Dead dead = (Outcome.Dead) outcome;
      String dlqId = keys.deadLetterId(s, now, ThreadLocalRandom.current().nextInt(1_000_000_000));
      // retried = retries made, so a dead letter shows retried == maxRetries when they ran out.
      // (At most maxRetries: a count past it comes from attempts lost with their nodes, see reapLeases.)
      long retried = Math.min(d.retried(), d.message().maxRetries());
      List<Object> args = new ArrayList<>(List.of(d.id(), d.leaseToken(), dlqId, now, retried,
          now - dlqRetentionMs, keys.deadLetterPrefix(s), keys.gatePrefix(s)));
      callbacks = CallbackMessages.of(d, dead.last(), dlqId, now);
      args.add((long) callbacks.size());
      callbacks.forEach(c -> c.addTo(args));
      addResponse(args, dead.last());
      reply = scripts.run(s, LuaScript.MOVE_TO_DLQ, keys.deadLetterKeys(s, dlqId), args);
    }
    // 1 done; 0 the lease is no longer ours; +2: a gate got a permit back and has ready work
    boolean retried = outcome instanceof Outcome.Retry;
    int fired = callbacks.size();
    return reply.map(r -> {
      long code = r.toLong();
      if (code >= 2) {
        wakeClaims.accept(s);
      }
      boolean written = (code & 1) == 1;
      if (written) {
        if (retried) {
          metrics.retryScheduled();
        } else {
          metrics.deadLettered();
        }
        metrics.callbacks(fired);
      }
      return written;
    });
  }

  /** Its gate is a flow-control key's: a retry gives the permit back while it waits (scheduleRetry). */
  private static boolean flowControlled(Delivery d) {
    return d.message().queueName() == null && d.message().flowControl() != null;
  }

  private Future<List<Boolean>> ack(int shard, List<Ack> batch) {
    List<Object> args = new ArrayList<>(2 + 2 * batch.size());
    args.add(keys.gatePrefix(shard));
    args.add((long) batch.size());
    for (Ack a : batch) {
      args.add(a.d().id());
      args.add(a.d().leaseToken());
    }
    for (int i = 0; i < batch.size(); i++) {
      List<CallbackMessages.Made> callbacks = batch.get(i).callbacks();
      if (!callbacks.isEmpty()) {
        args.add(i + 1L);
        args.add((long) callbacks.size());
        callbacks.forEach(c -> c.addTo(args));
      }
    }
    return scripts.run(shard, LuaScript.ACK_DELIVERED, keys.ackKeys(shard), args).map(reply -> {
      List<Boolean> done = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        boolean written = reply.get(i).toLong() == 1L;
        done.add(written);
        if (written) {
          metrics.callbacks(batch.get(i).callbacks().size());
        }
      }
      if (reply.get(batch.size()).toLong() > 0) {
        wakeClaims.accept(shard);
      }
      return done;
    });
  }

  private static void addResponse(List<Object> args, AttemptResult r) {
    if (r.hasResponse()) {
      args.add(MessageFields.RESPONSE_STATUS);
      args.add((long) r.status());
      Map<String, List<String>> headers = new LinkedHashMap<>();
      r.headers().forEach(h -> headers.computeIfAbsent(HeaderNames.canonical(h.getKey()), k -> new ArrayList<>())
          .add(h.getValue()));
      args.add(MessageFields.RESPONSE_HEADERS);
      args.add(HeaderCodec.encode(headers));
      args.add(MessageFields.RESPONSE_BODY);
      args.add(r.body());
    } else {
      args.add(MessageFields.ERROR);
      args.add(r.error() == null ? "request failed" : r.error());
    }
  }
}
