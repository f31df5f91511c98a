package dev.courier.dispatch;

import dev.courier.api.HeaderNames;
import dev.courier.metrics.CourierMetrics;
import dev.courier.model.HeaderCodec;
import dev.courier.model.StoredMessage;
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
 *
 * <p>With {@code delivery.ack-linger-ms}, an ack that starts a batch waits up to that long for others. The
 * destination has its request already; what waits is the record of it, the attempt's credit, and the callbacks the
 * ack stores. At moderate rates that is what halves Redis's calls per ack. It is off by default: it lowered the
 * end-to-end rate at full speed (docs/performance.md, "The ack linger").
 *
 * <p>{@code delivery.callback-ack-linger-ms} (on by default) is the same for the acks that carry callbacks: an ack
 * that stores callback messages, and the ack of a callback message this node took at once (never one claimed from
 * the wheel: that may hold its source's queue permit, which the node cannot see). A callback is delivered only after
 * the ack that stored it returns, so its own ack comes in a second wave, and without a linger each wave costs a call
 * of its own: that is what took a message with a callback past a publish's worth of Redis work. A callback is a
 * notification, so a few milliseconds later is its price; messages without callbacks do not see it
 * (docs/performance.md, "The callback ack linger", and "Callbacks: a 2-ms callback ack linger" for the default).
 *
 * <p>The ack of a message in a queue or under flow control does not wait: its gate's next message waits for it
 * (a parallelism-1 queue's pace is its acks').
 */
public final class OutcomeWriter {
  private static final int MAX_BATCH = 512;

  private final ScriptRunner scripts;
  private final Keys keys;
  private final long dlqRetentionMs;
  private final IntConsumer wakeClaims;
  private final DirectDispatch direct;
  private final CourierMetrics metrics;
  private final long ackLingerMs;
  private final long callbackAckLingerMs;
  private final List<GroupCommit<Ack, Boolean>> acks = new ArrayList<>();

  /** A delivered message and the callback messages its attempt fires. */
  private record Ack(Delivery d, List<CallbackMessages.Made> callbacks) {}

  /**
   * @param wakeClaims takes the shard of an outcome that gave a permit back to a gate with ready work: the wheel
   *     claims the next message now rather than at its next tick (a parallelism-1 queue is not paced by it)
   */
  public OutcomeWriter(Context context, ScriptRunner scripts, Keys keys, long dlqRetentionMs,
      IntConsumer wakeClaims, CourierMetrics metrics) {
    this(context, scripts, keys, dlqRetentionMs, wakeClaims, null, 0, 0, metrics);
  }

  /**
   * @param direct when not null, an ack's immediate callback messages are stored already leased to this node
   *     and handed to its dispatchers, as a published message is: no claim for them
   * @param ackLingerMs how long an ack that starts a batch waits for others (0: the end of the turn)
   * @param callbackAckLingerMs the same for an ack that stores callbacks or acks a callback message
   */
  public OutcomeWriter(Context context, ScriptRunner scripts, Keys keys, long dlqRetentionMs,
      IntConsumer wakeClaims, DirectDispatch direct, long ackLingerMs, long callbackAckLingerMs,
      CourierMetrics metrics) {
    this.ackLingerMs = ackLingerMs;
    this.callbackAckLingerMs = callbackAckLingerMs;
    this.direct = direct;
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
      Ack ack = new Ack(d, takeAtOnce(d, CallbackMessages.of(d, delivered.response(), null, now), now));
      return acks.get(s).submit(ack, lingerOf(d, !ack.callbacks().isEmpty(), ackLingerMs, callbackAckLingerMs));
    }
    Future<Response> reply;
    List<CallbackMessages.Made> callbacks;
    if (outcome instanceof Outcome.Retry retry) {
      List<Object> args = new ArrayList<>(List.of(d.id(), d.leaseToken(), retry.dueAt(), d.retried() + 1L,
          keys.gatePrefix(s), flowControlled(d) ? "1" : "0"));
      callbacks = CallbackMessages.of(d, retry.last(), null, now);
      args.add((long) callbacks.size());
      callbacks.forEach(c -> c.addTo(args));
      if (keys.outbox()) {
        addResponse(args, retry.last()); // for the ERROR event only: a retry keeps no response
      }
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

  /**
   * Puts a claimed message back on the wheel, due at {@code dueAt}, without an attempt ({@link HostShare}
   * did not start one). The future carries whether the lease was still ours.
   */
  public Future<Boolean> defer(Delivery d, long dueAt) {
    int s = d.shard();
    return scripts.run(s, LuaScript.DEFER_ATTEMPT, keys.deferKeys(s),
        List.of(d.id(), d.leaseToken(), dueAt, keys.gatePrefix(s), flowControlled(d) ? "1" : "0")).map(r -> {
          long code = r.toLong();
          if (code >= 2) {
            wakeClaims.accept(s);
          }
          boolean written = (code & 1) == 1;
          if (written) {
            metrics.deferred();
          }
          return written;
        });
  }

  /**
   * How long the ack of {@code d} may wait for company in its group commit (see the class's comment): none for a
   * gated message, the callbacks' linger when it stores callbacks or is a callback taken at once, the acks' linger
   * otherwise.
   */
  static long lingerOf(Delivery d, boolean storesCallbacks, long ackLingerMs, long callbackAckLingerMs) {
    StoredMessage m = d.message();
    if (m.queueName() != null || m.flowControl() != null) {
      return 0;
    }
    return storesCallbacks || d.takenAtOnce() ? Math.max(ackLingerMs, callbackAckLingerMs) : ackLingerMs;
  }

  /** Its gate is a flow-control key's: a retry gives the permit back while it waits (scheduleRetry). */
  private static boolean flowControlled(Delivery d) {
    return d.message().queueName() == null && d.message().flowControl() != null;
  }

  /**
   * The callbacks this node takes at once (leased to it in the ack's script, then handed to its dispatchers):
   * those due now, of a message in no queue (a queue's callback holds the queue's permit and goes through the
   * claim). The first takes over the credit of the attempt that fired it ({@link DispatchCredit#handOver}),
   * which comes back when this outcome is written: a callback costs no claim even when the node is at capacity.
   */
  private List<CallbackMessages.Made> takeAtOnce(Delivery d, List<CallbackMessages.Made> callbacks, long now) {
    if (direct == null || callbacks.isEmpty() || d.message().queueName() != null) {
      return callbacks;
    }
    List<CallbackMessages.Made> out = new ArrayList<>(callbacks.size());
    boolean handedOver = false;
    for (CallbackMessages.Made c : callbacks) {
      if (c.due() <= now && !handedOver && direct.credit().handOver()) {
        handedOver = true;
        out.add(c.leased(direct.tokens().next(), direct.leaseGraceMs()));
      } else {
        out.add(c);
      }
    }
    return out;
  }

  /** Hands the callbacks of the acks that were written to this node's dispatchers; gives the others' credit back. */
  private void handOver(int shard, List<Ack> batch, List<Boolean> done) {
    List<Delivery> taken = new ArrayList<>();
    int unused = 0;
    for (int i = 0; i < batch.size(); i++) {
      for (CallbackMessages.Made c : batch.get(i).callbacks()) {
        if (c.token() == null) {
          continue;
        }
        if (done != null && done.get(i)) {
          taken.add(new Delivery(shard, c.id(), c.message(), 0, c.token(), c.due(), true));
        } else {
          unused++;
        }
      }
    }
    if (unused > 0) {
      direct.credit().release(unused);
    }
    if (!taken.isEmpty()) {
      direct.handoff().local(taken);
    }
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
      if (direct != null) {
        handOver(shard, batch, done);
      }
      return done;
    }).onFailure(err -> {
      if (direct != null) {
        handOver(shard, batch, null);
      }
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
