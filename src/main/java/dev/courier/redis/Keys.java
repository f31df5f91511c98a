package dev.courier.redis;

/**
 * Builds every Redis key Courier uses; nothing else concatenates key names.
 *
 * <p>Messages are spread over {@code shards} shards. Each shard's keys carry the cluster hash tag
 * {@code {sN}}, so every script touches one slot and the same code runs on one Redis or a Redis
 * Cluster. A message's shard is a pure function of its id, so any node finds it without a lookup.
 *
 * <pre>
 * courier:{sN}:msg:&lt;id&gt;        hash        a pending or in-flight message (fields: {@link MessageFields})
 * courier:{sN}:due              sorted set  the delay wheel: id → due time (ms)
 * courier:{sN}:lease            sorted set  in flight: id → lease deadline (ms)
 * courier:{sN}:dedup:&lt;sha256&gt;  string, PX  the original message id, for the dedup window
 * courier:{sN}:dlq              sorted set  dead letters: dlqId → time of failure (ms)
 * courier:{sN}:dlq:&lt;dlqId&gt;     hash        the dead message plus its last response
 * courier:keys                  hash        the signing keys shared by every node (current, next)
 * </pre>
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

  public String messagePrefix(int shard) {
    return shard(shard) + "msg:";
  }

  public String message(int shard, String id) {
    return messagePrefix(shard) + id;
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

  /** The shard count the deployment's messages are spread over: every node must use the same. */
  public String shardCount() {
    return prefix + ":shards";
  }
}
