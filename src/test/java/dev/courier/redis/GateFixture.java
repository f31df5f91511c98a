package dev.courier.redis;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.dispatch.Delivery;
import dev.courier.dispatch.LeaseTokens;
import dev.courier.ingest.IngestService;
import dev.courier.model.FlowControl;
import dev.courier.model.Gates;
import dev.courier.model.MessageCodec;
import dev.courier.model.StoredMessage;
import dev.courier.support.TestRedis;
import dev.courier.wheel.DelayWheel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The gate scripts of one shard on a real Redis, under a key prefix of their own, called as the node calls
 * them: shared by the script-level tests of queues ({@link GateScriptsTest}) and of flow-control keys
 * ({@link FlowControlScriptsTest}).
 */
final class GateFixture implements AutoCloseable {
  final RedisConnector redis;
  final ScriptRunner scripts;
  final Keys keys;
  final DelayWheel wheel;

  GateFixture(Vertx vertx, String prefix) {
    this(vertx, prefix, false);
  }

  /** @param outbox the event log is on: the scripts also get the outbox key and record their changes in it */
  GateFixture(Vertx vertx, String prefix, boolean outbox) {
    redis = new RedisConnector(vertx, TestRedis.url());
    scripts = new ScriptRunner(redis);
    keys = new Keys(prefix + UUID.randomUUID().toString().substring(0, 8), 1, outbox);
    wheel = new DelayWheel(scripts, keys, 1_000, new LeaseTokens("node-a"));
    get(scripts.loadAll());
  }

  /** Stores a message in the queue gate {@code q:<name>} (null: ungated). */
  void store(String gate, String id, long due) {
    StoredMessage m = new StoredMessage("http://x/" + id, "POST", "", 3, null, 5_000, due, due, null, List.of(),
        Buffer.buffer("b"), gate == null ? null : Gates.name(gate));
    storeArgs(id, due, MessageCodec.encode(m), gate == null ? "" : gate, "");
  }

  /** Stores a message under a flow-control key with its limits, as ingest does. */
  void store(FlowControl fc, String id, long due) {
    StoredMessage m = new StoredMessage("http://x/" + id, "POST", "", 3, null, 5_000, due, due, null, List.of(),
        Buffer.buffer("b"), null, null, null, fc);
    storeArgs(id, due, MessageCodec.encode(m), Gates.flowControl(fc.key()), fc.limits());
  }

  /**
   * One store call of several messages, each {@code {id, gate}} (gate null: ungated), due now, with a backlog limit
   * (0: none): the codes the script answers, in order (0 stored, 2 refused for the backlog).
   */
  List<Long> storeCall(long backlogLimit, String[]... messages) {
    long now = System.currentTimeMillis();
    List<Object> args = new ArrayList<>(List.of(keys.dedupPrefix(0), 60_000L, backlogLimit, keys.gatePrefix(0), now));
    for (String[] m : messages) {
      String gate = m[1];
      StoredMessage stored = new StoredMessage("http://x/" + m[0], "POST", "", 3, null, 5_000, now, now, null,
          List.of(), Buffer.buffer("b"), gate == null ? null : Gates.name(gate));
      args.addAll(List.of(m[0], now, "", MessageCodec.encode(stored), gate == null ? "" : gate, ""));
    }
    List<Long> codes = new ArrayList<>();
    get(scripts.run(LuaScript.STORE_MESSAGES, IngestService.storeKeys(keys, 0), args))
        .forEach(r -> codes.add(r.get(0).toLong()));
    return codes;
  }

  private void storeArgs(String id, long due, Buffer stored, String gate, String limits) {
    List<Object> args = new ArrayList<>(List.of(keys.dedupPrefix(0), 60_000L, 0L, keys.gatePrefix(0),
        System.currentTimeMillis(), id, due, "", stored, gate, limits));
    assertEquals(0L, get(scripts.run(LuaScript.STORE_MESSAGES, IngestService.storeKeys(keys, 0), args)).get(0).get(0)
        .toLong());
  }

  void configure(String gate, String parallelism, String paused) {
    assertEquals(1L, get(scripts.run(LuaScript.CONFIGURE_GATE, List.of(keys.gates(0), keys.runnable(0)),
        List.of(keys.gatePrefix(0), gate, parallelism, paused, System.currentTimeMillis(), "1"))).toLong());
  }

  List<String> claim(int max) {
    return claimDeliveries(max).stream().map(Delivery::id).toList();
  }

  List<Delivery> claimDeliveries(int max) {
    long now = System.currentTimeMillis();
    return get(wheel.claim(0, max, now));
  }

  /** A claim as of {@code at} (the node's clock then), timers due by then included. */
  List<Delivery> claimAt(int max, long at) {
    return get(wheel.claim(0, max, at, at));
  }

  Response cmd(Request r) {
    return get(redis.send(r));
  }

  long ack(Delivery d) {
    Response r = get(scripts.run(LuaScript.ACK_DELIVERED, keys.ackKeys(0), List.of(keys.gatePrefix(0), 1L, d.id(),
        d.leaseToken())));
    return r.get(0).toLong();
  }

  /** As OutcomeWriter schedules a retry: a flow-controlled message says so. */
  long retry(Delivery d, long dueAt) {
    boolean flow = d.message().queueName() == null && d.message().flowControl() != null;
    return get(scripts.run(LuaScript.SCHEDULE_RETRY, keys.retryKeys(0),
        List.of(d.id(), d.leaseToken(), dueAt, d.retried() + 1L, keys.gatePrefix(0), flow ? "1" : "0", 0L))).toLong();
  }

  /** As OutcomeWriter defers an attempt that its host's share held back (deferAttempt). */
  long defer(Delivery d, long dueAt) {
    boolean flow = d.message().queueName() == null && d.message().flowControl() != null;
    return get(scripts.run(LuaScript.DEFER_ATTEMPT, keys.deferKeys(0),
        List.of(d.id(), d.leaseToken(), dueAt, keys.gatePrefix(0), flow ? "1" : "0"))).toLong();
  }

  long cancel(String id) {
    return get(scripts.run(LuaScript.CANCEL_MESSAGE, keys.cancelKeys(0), List.of(id, keys.gatePrefix(0)))).toLong();
  }

  long active(String gate) {
    return cmd(Request.cmd(Command.SCARD).arg(keys.gateActive(0, gate))).toLong();
  }

  boolean runnable(String gate) {
    return cmd(Request.cmd(Command.ZSCORE).arg(keys.runnable(0)).arg(gate)) != null;
  }

  String field(String gate, String field) {
    Response r = cmd(Request.cmd(Command.HGET).arg(keys.gate(0, gate)).arg(field));
    return r == null ? null : r.toString();
  }

  @Override
  public void close() {
    get(redis.close());
  }
}
