package dev.courier.ingest;

import dev.courier.dispatch.CreditWait;
import dev.courier.dispatch.Delivery;
import dev.courier.dispatch.DirectDispatch;
import dev.courier.metrics.CourierMetrics;
import dev.courier.model.MessageCodec;
import dev.courier.model.NewMessage;
import dev.courier.model.PublishResult;
import dev.courier.model.StoredMessage;
import dev.courier.redis.GroupCommit;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.ScriptRunner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way in for every message, plain, deduplicated, under a backlog limit, queued or handed over
 * directly. Stores accepted messages with the {@code storeMessages} script: dedup + backlog check + store +
 * schedule (or a place in its queue) in one atomic step; plain ones with one MULTI. The publishes waiting for
 * one shard go in one script call or transaction
 * ({@link GroupCommit}: the next batch leaves when the previous one has returned).
 *
 * <p>The future fails with {@link BacklogFullException} when the shard is at its backlog limit, and with
 * the Redis error when Redis is unreachable; it succeeds only once Redis said OK.
 */
public final class IngestService {
  /** Most messages stored by one script call: bounds the time Redis spends in one script. */
  private static final int MAX_BATCH = 256;

  private final ScriptRunner scripts;
  private final Keys keys;
  private final long dedupWindowMs;
  private final long maxBacklog;
  private final Runnable wakeWheel;
  private final DirectDispatch direct;
  /** Where immediate publishes wait for credit (null without direct hand-over). */
  private final CreditWait creditWait;
  private final CourierMetrics metrics;
  private final List<GroupCommit<NewMessage, PublishResult>> shards = new ArrayList<>();

  /** @param direct null to put every message on the wheel, immediate ones included */
  public IngestService(Context context, ScriptRunner scripts, Keys keys, long dedupWindowMs, long maxBacklog,
      Runnable wakeWheel, DirectDispatch direct) {
    this(context, scripts, keys, dedupWindowMs, maxBacklog, wakeWheel, direct, CourierMetrics.disabled());
  }

  /** @param metrics counts each publish by its result */
  public IngestService(Context context, ScriptRunner scripts, Keys keys, long dedupWindowMs, long maxBacklog,
      Runnable wakeWheel, DirectDispatch direct, CourierMetrics metrics) {
    this.metrics = metrics;
    this.scripts = scripts;
    this.keys = keys;
    this.dedupWindowMs = dedupWindowMs;
    this.maxBacklog = maxBacklog;
    this.wakeWheel = wakeWheel;
    this.direct = direct;
    this.creditWait = direct == null ? null
        : new CreditWait(context, direct.credit(), direct.creditWaitMs(), metrics);
    for (int s = 0; s < keys.shards(); s++) {
      int shard = s;
      shards.add(new GroupCommit<>(context, MAX_BATCH, batch -> store(shard, batch)));
    }
  }

  /** Thrown (as a failed future) when the backlog limit is reached: the API answers 429. */
  public static final class BacklogFullException extends RuntimeException {
    public BacklogFullException(String message) {
      super(message, null, false, false);
    }
  }

  /** Stores {@code m} in the shard its id names (the routing key's: its queue's, or any for no queue). */
  public Future<PublishResult> publish(NewMessage m) {
    return shards.get(keys.shardOf(m.id())).submit(m).compose(this::check, this::failed);
  }

  private Future<List<PublishResult>> store(int shard, List<NewMessage> batch) {
    if (maxBacklog == 0 && batch.stream().allMatch(m -> m.dedupHash() == null && m.gate() == null)) {
      return storePlain(shard, batch);
    }
    List<Object> args = storeArgs(keys, shard, dedupWindowMs, maxBacklog, batch, System.currentTimeMillis());
    return scripts.run(shard, LuaScript.STORE_MESSAGES, storeKeys(keys, shard), args).map(reply -> {
      List<PublishResult> results = new ArrayList<>(batch.size());
      boolean dueNow = false;
      long now = System.currentTimeMillis();
      for (int i = 0; i < batch.size(); i++) {
        NewMessage m = batch.get(i);
        results.add(outcome(reply.get(i), m));
        dueNow |= m.notBefore() <= now;
      }
      if (dueNow) {
        wakeWheel.run();
      }
      return results;
    });
  }

  /** The KEYS of {@code storeMessages-6.lua} for a shard. */
  public static List<String> storeKeys(Keys keys, int shard) {
    return keys.logged(shard, List.of(keys.due(shard), keys.messages(shard), keys.gated(shard), keys.runnable(shard),
        keys.gates(shard), keys.flows(shard)));
  }

  /** The ARGV of {@code storeMessages-6.lua} for a batch (public for the JMH benchmark of this hot spot). */
  public static List<Object> storeArgs(Keys keys, int shard, long dedupWindowMs, long maxBacklog,
      List<NewMessage> batch, long now) {
    List<Object> args = new ArrayList<>(5 + 6 * batch.size());
    args.add(keys.dedupPrefix(shard));
    args.add(dedupWindowMs);
    args.add(maxBacklog);
    args.add(keys.gatePrefix(shard));
    args.add(now);
    for (NewMessage m : batch) {
      args.add(m.id());
      args.add(m.notBefore());
      args.add(m.dedupHash() == null ? "" : m.dedupHash());
      args.add(MessageCodec.encode(m.stored()));
      args.add(m.gate() == null ? "" : m.gate());
      args.add(m.queueName() == null && m.flowControl() != null ? m.flowControl().limits() : "");
    }
    return args;
  }

  /**
   * Messages with nothing to check (no dedup id, no backlog limit) are stored with plain commands in one
   * MULTI/EXEC: one HSET of the whole batch into the shard's message hash, then the ids onto the wheel
   * (or the lease set). As atomic as the script, without the Lua call overhead per message (Redis spent
   * about 10 µs per message inside the script, 2 µs of it in HSET and ZADD). The HSET comes first, so a
   * claim never meets an id without its message.
   *
   * <p>Immediate messages, as far as the node has delivery credit, are stored already leased to this node
   * (their id in the lease set) and handed to the dispatchers once Redis said OK: no claim, no wheel hop
   * ({@link DirectDispatch}); when none is free they wait for some, a little ({@link #storeDirect}). The rest go
   * on the wheel.
   */
  private Future<List<PublishResult>> storePlain(int shard, List<NewMessage> batch) {
    return direct == null ? storePlain(shard, batch, 0, System.currentTimeMillis())
        : storeDirect(shard, batch, creditWait.deadline());
  }

  /**
   * Stores the batch, its immediate messages leased as far as there is credit: when none is free, the batch waits
   * for some until {@code deadline} ({@link CreditWait}); a part that got credit is stored at once and the rest
   * asks again, so credit never idles in a waiting batch. What gets none by the deadline goes on the wheel.
   */
  private Future<List<PublishResult>> storeDirect(int shard, List<NewMessage> batch, long deadline) {
    long now = System.currentTimeMillis();
    int due = dueBy(batch, now);
    return creditWait.acquire(due, deadline).compose(leased -> {
      if (leased == 0 || leased == due) {
        return storePlain(shard, batch, leased, now);
      }
      // the messages up to the last one this credit covers now, the rest once more credit comes
      int cut = 0;
      for (int covered = 0; covered < leased; cut++) {
        if (batch.get(cut).notBefore() <= now) {
          covered++;
        }
      }
      List<NewMessage> rest = batch.subList(cut, batch.size());
      // If Redis fails on the rest, the whole batch is answered with the error although its first part was stored
      // (and is delivered): as when a reply is lost, a client that publishes again gets a second copy, never none.
      return storePlain(shard, batch.subList(0, cut), leased, now).compose(first -> storeDirect(shard, rest, deadline)
          .map(second -> {
            List<PublishResult> all = new ArrayList<>(first);
            all.addAll(second);
            return all;
          }));
    });
  }

  /**
   * @param leased credits acquired for the batch's immediate messages: as many are stored leased to this node
   * @param now the time that decided which messages are immediate
   */
  private Future<List<PublishResult>> storePlain(int shard, List<NewMessage> batch, int leased, long now) {
    int dueNow = dueBy(batch, now);
    if (direct != null && leased < dueNow) {
      direct.credit().wheelFellBehind();
    }
    long at = System.currentTimeMillis(); // later than now when the batch waited for credit
    String token = leased > 0 ? direct.tokens().next() : null;
    List<Delivery> deliveries = leased > 0 ? new ArrayList<>(leased) : List.of();
    Request hset = Request.cmd(Command.HSET).arg(keys.messages(shard));
    Request wheel = null;
    Request lease = null;
    // The event log's outbox entry (lua/includes/events.lua), in the same transaction: CREATED, ACTIVE if leased
    Request events = keys.outbox() ? Request.cmd(Command.XADD).arg(keys.events(shard)).arg("*").arg("t").arg(at)
        : null;
    for (NewMessage m : batch) {
      StoredMessage stored = m.stored();
      Buffer encoded = MessageCodec.encode(stored);
      hset.arg(m.id()).arg(encoded);
      if (events != null) {
        events.arg("C").arg(m.id()).arg("m").arg(encoded);
      }
      if (deliveries.size() < leased && m.notBefore() <= now) {
        lease = (lease == null ? Request.cmd(Command.ZADD).arg(keys.lease(shard)) : lease)
            .arg(at + m.timeoutMs() + direct.leaseGraceMs()).arg(Keys.leaseMember(m.id(), token));
        if (events != null) {
          events.arg("A").arg(m.id());
        }
        deliveries.add(new Delivery(shard, m.id(), stored, 0, token, m.notBefore()));
      } else {
        wheel = (wheel == null ? Request.cmd(Command.ZADD).arg(keys.due(shard)) : wheel)
            .arg(m.notBefore()).arg(m.id());
      }
    }
    var redis = scripts.redis();
    redis.send(shard, Request.cmd(Command.MULTI));
    redis.send(shard, hset);
    if (wheel != null) {
      redis.send(shard, wheel);
    }
    if (lease != null) {
      redis.send(shard, lease);
    }
    if (events != null) {
      redis.send(shard, events);
    }
    boolean wake = dueNow > leased;
    return redis.send(shard, Request.cmd(Command.EXEC)).map(reply -> {
      if (reply == null) {
        throw new IllegalStateException("transaction aborted");
      }
      List<PublishResult> results = new ArrayList<>(batch.size());
      for (NewMessage m : batch) {
        results.add(new PublishResult(m.id(), m.url(), false));
      }
      if (!deliveries.isEmpty()) {
        direct.handoff().local(deliveries);
      }
      if (wake) {
        wakeWheel.run();
      }
      return results;
    }).onFailure(err -> {
      if (leased > 0) {
        direct.credit().release(leased);
      }
    });
  }

  /** How many of the batch's messages are due at {@code now}: the immediate ones. */
  private static int dueBy(List<NewMessage> batch, long now) {
    int due = 0;
    for (NewMessage m : batch) {
      if (m.notBefore() <= now) {
        due++;
      }
    }
    return due;
  }

  /** A full backlog fails only its own publish: a result without id, turned into the failure by check. */
  private static PublishResult outcome(Response r, NewMessage m) {
    long code = r.get(0).toLong();
    if (code == 1) {
      return new PublishResult(r.get(1).toString(), m.url(), true);
    }
    if (code == 2) {
      return new PublishResult(null, m.url(), false);
    }
    return new PublishResult(m.id(), m.url(), false);
  }

  private Future<PublishResult> check(PublishResult r) {
    if (r.messageId() == null) {
      metrics.published(CourierMetrics.Published.REJECTED);
      return Future.failedFuture(new BacklogFullException("backlog limit reached, retry later"));
    }
    metrics.published(r.deduplicated() ? CourierMetrics.Published.DUPLICATE : CourierMetrics.Published.ACCEPTED);
    return Future.succeededFuture(r);
  }

  /** Redis failed or refused the batch: nothing of it was stored. */
  private Future<PublishResult> failed(Throwable err) {
    metrics.published(CourierMetrics.Published.REJECTED);
    return Future.failedFuture(err);
  }
}
