package dev.courier.queues;

import dev.courier.model.Gates;
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
 * FIFO queues (qstash-api.md §13): a queue is a gate (design.md §3a) in the shard of its name, whose
 * parallelism bounds the attempts in flight across all nodes. This service creates, reads, pauses and
 * deletes them; messages join a queue through the ingest path (enqueue), which creates an unknown queue
 * with parallelism 1.
 */
public final class QueueService {
  /** How long an enqueue trusts that a queue it saw exists (one EXISTS per queue per this, per event loop). */
  private static final long KNOWN_FOR_MS = 1_000;
  private static final int KNOWN_MAX = 10_000;

  private final ScriptRunner scripts;
  private final Keys keys;
  private final int maxQueues;
  /** Queues seen to exist lately: an enqueue to one of them skips the quota check's round trip. */
  private final Map<String, Long> known = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > KNOWN_MAX;
    }
  };

  /** Thrown (as a failed future) when a new queue would pass {@code queues.max-queues}: the API answers 412. */
  public static final class QuotaExceededException extends RuntimeException {
    public QuotaExceededException(String message) {
      super(message, null, false, false);
    }
  }

  /** A queue as the API shows it (qstash-api.md §5.6). */
  public record Queue(String name, int parallelism, boolean paused, long lag, long createdAt, long updatedAt) {
    public JsonObject toJson() {
      return new JsonObject().put("name", name).put("parallelism", parallelism).put("paused", paused).put("lag", lag)
          .put("createdAt", createdAt).put("updatedAt", updatedAt);
    }
  }

  /** One instance per event loop (not thread-safe). */
  public QueueService(ScriptRunner scripts, Keys keys, int maxQueues) {
    this.scripts = scripts;
    this.keys = keys;
    this.maxQueues = maxQueues;
  }

  /** Creates the queue or changes it; null leaves a setting as it is (1 and not paused for a new queue). */
  public Future<Void> upsert(String name, Integer parallelism, Boolean paused) {
    return ensure(name).compose(v -> configure(name, parallelism, paused, true)).mapEmpty();
  }

  /** An enqueue's check: the queue exists, or there is room for one more (the store script creates it). */
  public Future<Void> ensure(String name) {
    Long seen = known.get(name);
    long now = System.currentTimeMillis();
    if (seen != null && now - seen < KNOWN_FOR_MS) {
      return Future.succeededFuture();
    }
    String gate = Gates.queue(name);
    int shard = keys.shardOfGate(gate);
    return scripts.redis().send(shard, Request.cmd(Command.EXISTS).arg(keys.gate(shard, gate))).compose(exists -> {
      if (exists.toLong() == 1L) {
        known.put(name, now);
        return Future.succeededFuture();
      }
      return count().compose(n -> n >= maxQueues
          ? Future.failedFuture(new QuotaExceededException("too many queues: the limit is " + maxQueues
              + " (queues.max-queues)"))
          : Future.succeededFuture());
    });
  }

  /** How many queues the deployment has: one SCARD per shard. */
  private Future<Long> count() {
    List<Future<Response>> counts = new ArrayList<>();
    for (int s = 0; s < keys.shards(); s++) {
      counts.add(scripts.redis().send(s, Request.cmd(Command.SCARD).arg(keys.gates(s))));
    }
    return Future.all(counts).map(cf -> counts.stream().mapToLong(f -> f.result().toLong()).sum());
  }

  /** Pauses or resumes; false for an unknown queue. Pausing twice, or resuming a running queue, changes nothing. */
  public Future<Boolean> setPaused(String name, boolean paused) {
    return configure(name, null, paused, false);
  }

  private Future<Boolean> configure(String name, Integer parallelism, Boolean paused, boolean create) {
    String gate = Gates.queue(name);
    int s = keys.shardOfGate(gate);
    return scripts.run(s, LuaScript.CONFIGURE_GATE, List.of(keys.gates(s), keys.runnable(s)),
        List.of(keys.gatePrefix(s), gate, parallelism == null ? "" : parallelism.toString(),
            paused == null ? "" : paused ? "1" : "0", System.currentTimeMillis(), create ? "1" : "0"))
        .map(r -> r.toLong() == 1L);
  }

  /** The queue, or null when there is none of that name. */
  public Future<Queue> get(String name) {
    String gate = Gates.queue(name);
    int s = keys.shardOfGate(gate);
    Future<Response> config = scripts.redis().send(s, Request.cmd(Command.HMGET).arg(keys.gate(s, gate))
        .arg("parallelism").arg("paused").arg("created").arg("updated").arg("delayed"));
    Future<Response> ready = scripts.redis().send(s, Request.cmd(Command.LLEN).arg(keys.gateReady(s, gate)));
    return Future.all(config, ready).map(v -> {
      Response c = config.result();
      if (c.get(0) == null) {
        return null;
      }
      // lag: messages waiting, for their turn (the ready list) or for their delay (counted by the scripts);
      // those holding a permit (in flight, or waiting for a retry) are not lag. The delayed count is never
      // taken below 0 (a delayed message of a queue deleted and created again joins the new one).
      long delayed = c.get(4) == null ? 0 : Math.max(0, c.get(4).toLong());
      long lag = ready.result().toLong() + delayed;
      long created = c.get(2) == null ? 0 : c.get(2).toLong();
      return new Queue(name, c.get(0).toInteger(), "1".equals(c.get(1).toString()), lag, created,
          c.get(3) == null ? created : c.get(3).toLong());
    });
  }

  /** Every queue, by name. */
  public Future<List<Queue>> list() {
    List<Future<Response>> members = new ArrayList<>();
    for (int s = 0; s < keys.shards(); s++) {
      members.add(scripts.redis().send(s, Request.cmd(Command.SMEMBERS).arg(keys.gates(s))));
    }
    return Future.all(members).compose(cf -> {
      List<Future<Queue>> queues = new ArrayList<>();
      for (Future<Response> m : members) {
        for (Response gate : m.result()) {
          String g = gate.toString();
          if (g.startsWith(Gates.queue(""))) {
            queues.add(get(Gates.name(g)));
          }
        }
      }
      return Future.all(queues).map(all -> queues.stream().map(Future::result).filter(q -> q != null)
          .sorted(Comparator.comparing(Queue::name)).toList());
    });
  }

  /**
   * Deletes the queue and, in the same script, its messages waiting for their turn (api-decisions.md);
   * the count of those dropped, or -1 when there is no such queue.
   */
  public Future<Long> delete(String name) {
    String gate = Gates.queue(name);
    int s = keys.shardOfGate(gate);
    known.remove(name);
    return scripts.run(s, LuaScript.DELETE_GATE, keys.logged(s, List.of(keys.gates(s), keys.runnable(s),
        keys.messages(s), keys.retried(s), keys.gated(s))), List.of(keys.gatePrefix(s), gate)).map(Response::toLong);
  }
}
