package dev.courier.redis;

import dev.courier.model.Gates;
import dev.courier.model.Ids;
import java.util.List;

/**
 * Builds every Redis key Courier uses; nothing else concatenates key names.
 *
 * <p>Messages are spread over {@code shards} shards. Each shard's keys carry the cluster hash tag
 * {@code {sN}}, so every script touches one slot and the same code runs on one Redis or a Redis
 * Cluster. A message's shard follows from its id, so any node finds it without a lookup: a storage
 * layout 3 id carries it ({@code msg_<shard>_<random>}, see {@link #messageId}); a layout 2 id
 * ({@code msg_<random>}) is in the shard of its hash. A new message's shard is that of its routing key:
 * its queue, so a queue lives whole in one shard and one script sees it whole; otherwise any shard.
 *
 * <p>A gate is named by its kind and name ({@code q:<queue>}, {@code f:<flow-control key>}); its keys are in
 * the shard of its name. A flow-control key whose rate window is spent has a timer in {@code due} whose member
 * is {@code ~f:<key>} (see {@link #rateTimer}).
 *
 * <pre>
 * courier:{sN}:msgs             hash        pending and in-flight messages: id → MessageCodec bytes
 * courier:{sN}:retried          hash        id → attempts made, only for messages that failed at least once
 * courier:{sN}:due              sorted set  the delay wheel: id → due time (ms)
 * courier:{sN}:lease            sorted set  in flight: "&lt;id&gt;|&lt;lease token&gt;" → lease deadline (ms)
 * courier:{sN}:dedup:&lt;sha256&gt;  string, PX  the original message id, for the dedup window
 * courier:{sN}:dlq              sorted set  dead letters: dlqId → time of failure (ms)
 * courier:{sN}:dlq:&lt;dlqId&gt;     hash        the dead message plus its last response
 * courier:{sN}:gated            hash        id → gate, for every pending gated message (a queue's)
 * courier:{sN}:runnable         sorted set  gates that can start a message now, in round-robin order
 * courier:{sN}:gates            set         the shard's queues (q:&lt;name&gt;)
 * courier:{sN}:flows            set         the shard's flow-control keys (f:&lt;key&gt;)
 * courier:{sN}:gate:&lt;g&gt;         hash        a gate's parallelism, paused flag, times, delayed count; a
 *                                           flow-control key's rate, period, rate window and pins
 * courier:{sN}:gate:&lt;g&gt;:ready   list        its messages ready to start, oldest first
 * courier:{sN}:gate:&lt;g&gt;:active  set         its messages holding a permit
 * courier:{sN}:events          stream      the event log's outbox: the state changes the scripts made, until the
 *                                           event-log writer stored them (lua/includes/events.lua)
 * courier:{topics}:topic:&lt;name&gt;  hash  a URL group: v (version, for compare-and-set), json (its endpoints)
 * courier:{topics}:names        set         the names of the URL groups
 * courier:{schedules}:schedule:&lt;id&gt;  hash  a schedule: its cron, stored request, state (see ScheduleService)
 * courier:{schedules}:due       sorted set  the schedules not paused: id → next fire time (ms)
 * courier:{schedules}:ids       set         every schedule's id
 * courier:keys                  hash        the signing keys shared by every node (current, next)
 * courier:shards                string      the deployment's shard count and storage layout
 * </pre>
 *
 * <p>Messages live as entries of one hash per shard, not as a key each: a publish batch is one HSET
 * however many messages it holds, and Redis keeps no key object per pending message (issue #4).
 * A lease names its holder in the member, so an outcome write is fenced by its ZREM alone.
 */
public final class Keys {
  private final String prefix;
  private final int shards;
  private final boolean outbox;

  public Keys(String prefix, int shards) {
    this(prefix, shards, false);
  }

  /**
   * @param outbox the event log is on: the transition scripts get the shard's outbox as their last key
   *     ({@link #logged}) and record their state changes in it
   */
  public Keys(String prefix, int shards, boolean outbox) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be >= 1");
    }
    this.prefix = prefix;
    this.shards = shards;
    this.outbox = outbox;
  }

  /** Whether the transition scripts record their state changes in the shards' outboxes. */
  public boolean outbox() {
    return outbox;
  }

  /** The shard's outbox stream (lua/includes/events.lua). */
  public String events(int shard) {
    return shard(shard) + "events";
  }

  /**
   * The keys of a transition script call, with the shard's outbox last while the event log is on: a script
   * given it records what it changes, one without it records nothing ({@link LuaScript#logged}).
   */
  public List<String> logged(int shard, List<String> scriptKeys) {
    if (!outbox) {
      return scriptKeys;
    }
    String[] all = scriptKeys.toArray(new String[scriptKeys.size() + 1]);
    all[scriptKeys.size()] = events(shard);
    return List.of(all);
  }

  public int shards() {
    return shards;
  }

  /**
   * The shard of a message id: written in a layout 3 id, the hash of a layout 2 one. String.hashCode is
   * specified by the JLS, so every node and every version agrees on it. An id naming a shard this
   * deployment does not have is looked for in shard 0, where it is not found.
   */
  public int shardOf(String id) {
    int shard = writtenShard(id);
    if (shard == -1) {
      return Math.floorMod(id.hashCode(), shards);
    }
    return shard < shards ? shard : 0;
  }

  /** The shard written in a layout 3 id ({@code msg_<digits>_…}), -1 for another id. */
  private static int writtenShard(String id) {
    if (!id.startsWith(MSG)) {
      return -1;
    }
    int end = id.indexOf('_', MSG.length());
    if (end <= MSG.length() || end - MSG.length() > 4) {
      return -1;
    }
    int shard = 0;
    for (int i = MSG.length(); i < end; i++) {
      char c = id.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      shard = shard * 10 + (c - '0');
    }
    return shard;
  }

  private static final String MSG = "msg_";

  /**
   * A new message id in {@code shard}: {@code msg_<shard>_<24 base62 characters>}, the first 7 the time of
   * creation (so that ids made later sort later, {@link Ids#timeOrdered}), the other 17 random (about 101 bits).
   * Ids of the earlier form, 24 random characters, have the same shape and resolve the same way.
   */
  public static String messageId(int shard) {
    return MSG + shard + "_" + Ids.timeOrdered(24, System.currentTimeMillis());
  }

  /** The shard of a routing key (a queue's name): its hash modulo the shard count. */
  public int shardOfRoutingKey(String routingKey) {
    return Math.floorMod(routingKey.hashCode(), shards);
  }

  /** The shard holding a gate's keys and messages ({@link Gates}): that of its name. */
  public int shardOfGate(String gate) {
    return shardOfRoutingKey(Gates.name(gate));
  }

  /** Pending gated messages of the shard: id → gate. */
  public String gated(int shard) {
    return shard(shard) + "gated";
  }

  /** The shard's gates that can start a message now, in round-robin order. */
  public String runnable(int shard) {
    return shard(shard) + "runnable";
  }

  /** The shard's queues (gates {@code q:<name>}); {@code queues.max-queues} counts these. */
  public String gates(int shard) {
    return shard(shard) + "gates";
  }

  /** The shard's flow-control keys (gates {@code f:<key>}); {@code flow-control.max-keys} counts these. */
  public String flows(int shard) {
    return shard(shard) + "flows";
  }

  /**
   * The {@code due} member of a gate's rate timer: its gate after a {@code ~}, which no message id starts
   * with (the Lua scripts build it the same way, {@code rateTimer} in {@code lua/includes/gates.lua}).
   */
  public static String rateTimer(String gate) {
    return "~" + gate;
  }

  /** The prefix of the shard's gate keys (scripts append the gate, and ":ready" or ":active"). */
  public String gatePrefix(int shard) {
    return shard(shard) + "gate:";
  }

  public String gate(int shard, String gate) {
    return gatePrefix(shard) + gate;
  }

  /** The KEYS of {@code ackDelivered-6.lua} (its ARGV: {@link #gatePrefix}, then id and token pairs). */
  public List<String> ackKeys(int shard) {
    return logged(shard, List.of(lease(shard), messages(shard), retried(shard), gated(shard), runnable(shard),
        due(shard)));
  }

  /** The KEYS of {@code scheduleRetry-6.lua}. */
  public List<String> retryKeys(int shard) {
    return logged(shard, List.of(lease(shard), due(shard), messages(shard), retried(shard), gated(shard),
        runnable(shard)));
  }

  /** The KEYS of {@code deferAttempt-6.lua}: a retry's, without the outbox (no event is logged). */
  public List<String> deferKeys(int shard) {
    return List.of(lease(shard), due(shard), messages(shard), retried(shard), gated(shard), runnable(shard));
  }

  /** The KEYS of {@code moveToDlq-8.lua}. */
  public List<String> deadLetterKeys(int shard, String dlqId) {
    return logged(shard, List.of(lease(shard), messages(shard), retried(shard), dlq(shard), deadLetter(shard, dlqId),
        gated(shard), runnable(shard), due(shard)));
  }

  /** The KEYS of {@code cancelMessage-5.lua} (its ARGV: the id, then {@link #gatePrefix}). */
  public List<String> cancelKeys(int shard) {
    return logged(shard, List.of(due(shard), messages(shard), retried(shard), gated(shard), runnable(shard)));
  }

  public String gateReady(int shard, String gate) {
    return gate(shard, gate) + ":ready";
  }

  public String gateActive(int shard, String gate) {
    return gate(shard, gate) + ":active";
  }

  private String shard(int shard) {
    return prefix + ":{s" + shard + "}:";
  }

  /** Pending and in-flight messages of the shard: id → the stored message ({@link dev.courier.model.MessageCodec}). */
  public String messages(int shard) {
    return shard(shard) + "msgs";
  }

  /** Attempts made, for the shard's messages that failed at least once (absent means none). */
  public String retried(int shard) {
    return shard(shard) + "retried";
  }

  /** A lease set member: the message and the claim holding it (the Lua scripts join them the same way). */
  public static String leaseMember(String id, String token) {
    return id + "|" + token;
  }

  /** The message id of a lease set member (the whole member, should one lack the separator). */
  public static String leasedId(String member) {
    int bar = member.indexOf('|');
    return bar < 0 ? member : member.substring(0, bar);
  }

  public String due(int shard) {
    return shard(shard) + "due";
  }

  public String lease(int shard) {
    return shard(shard) + "lease";
  }

  public String dedupPrefix(int shard) {
    return shard(shard) + "dedup:";
  }

  public String dedup(int shard, String hash) {
    return dedupPrefix(shard) + hash;
  }

  public String dlq(int shard) {
    return shard(shard) + "dlq";
  }

  public String deadLetterPrefix(int shard) {
    return shard(shard) + "dlq:";
  }

  /**
   * A dead letter's id, {@code <failed ms>-<n>}, whose {@code n} is the shard modulo the shard count, so the
   * API finds it in one shard (layout 2's ids had a random {@code n}, and are still looked for everywhere).
   */
  public String deadLetterId(int shard, long failedAt, int random) {
    return failedAt + "-" + ((long) random * shards + shard);
  }

  /** The shard a dead letter id names (see {@link #deadLetterId}), -1 when it is not of that form. */
  public int shardOfDeadLetter(String dlqId) {
    int dash = dlqId.lastIndexOf('-');
    try {
      return (int) Math.floorMod(Long.parseLong(dlqId.substring(dash + 1)), (long) shards);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  public String deadLetter(int shard, String dlqId) {
    return deadLetterPrefix(shard) + dlqId;
  }

  /** A URL group: one hash tag for all groups, so a script can change a group and the set of names together. */
  public String topic(String name) {
    return prefix + ":{topics}:topic:" + name;
  }

  /** The set of URL group names. */
  public String topicNames() {
    return prefix + ":{topics}:names";
  }

  /**
   * A schedule. All schedules share one hash tag so that a script can move a schedule, its place in
   * {@link #scheduleDue()} and the id set together; there are few of them and they change rarely.
   */
  public String schedule(String id) {
    return prefix + ":{schedules}:schedule:" + id;
  }

  /** The schedules not paused, by next fire time. */
  public String scheduleDue() {
    return prefix + ":{schedules}:due";
  }

  /** Every schedule's id: what the list reads and the quota counts. */
  public String scheduleIds() {
    return prefix + ":{schedules}:ids";
  }

  public String signingKeys() {
    return prefix + ":keys";
  }

  /**
   * The deployment's shard count and storage layout ({@link #LAYOUT}): every node must use the same.
   */
  public String shardCount() {
    return prefix + ":shards";
  }

  /**
   * The storage layout this code reads and writes; part of the value of {@link #shardCount()}, so that
   * a node of another layout refuses to start on a Redis it would misread (layout 1 kept a key per
   * message and recorded the bare shard count; layout 2 had no gates, and ids without their shard).
   */
  public static final int LAYOUT = 3;

  /** What a node records in {@link #shardCount()}. */
  public String deploymentTag() {
    return deploymentTag(LAYOUT);
  }

  /** What a node of {@code layout} with this shard count records. */
  public String deploymentTag(int layout) {
    return "shards " + shards + ", layout " + layout;
  }
}
