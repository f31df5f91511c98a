package dev.courier.redis;

/**
 * Builds every Redis key Courier uses; nothing else concatenates key names.
 *
 * <p>Messages are spread over {@code shards} shards. Each shard's keys carry the cluster hash tag
 * {@code {sN}}, so every script touches one slot and the same code runs on one Redis or a Redis
 * Cluster. A message's shard is a pure function of its id, so any node finds it without a lookup.
 *
 * <pre>
 * courier:{sN}:msgs             hash        pending and in-flight messages: id → MessageCodec bytes
 * courier:{sN}:retried          hash        id → attempts made, only for messages that failed at least once
 * courier:{sN}:due              sorted set  the delay wheel: id → due time (ms)
 * courier:{sN}:lease            sorted set  in flight: "&lt;id&gt;|&lt;lease token&gt;" → lease deadline (ms)
 * courier:{sN}:dedup:&lt;sha256&gt;  string, PX  the original message id, for the dedup window
 * courier:{sN}:dlq              sorted set  dead letters: dlqId → time of failure (ms)
 * courier:{sN}:dlq:&lt;dlqId&gt;     hash        the dead message plus its last response
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

  public Keys(String prefix, int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be >= 1");
    }
    this.prefix = prefix;
    this.shards = shards;
  }

  public int shards() {
    return shards;
  }

  /** String.hashCode is specified by the JLS, so every node and every version agrees on it. */
  public int shardOf(String id) {
    return Math.floorMod(id.hashCode(), shards);
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

  public String deadLetter(int shard, String dlqId) {
    return deadLetterPrefix(shard) + dlqId;
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
   * message and recorded the bare shard count).
   */
  public static final int LAYOUT = 2;

  /** What a node records in {@link #shardCount()}. */
  public String deploymentTag() {
    return "shards " + shards + ", layout " + LAYOUT;
  }
}
