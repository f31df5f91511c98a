package dev.courier.ingest;

import dev.courier.model.MessageCodec;
import dev.courier.model.NewMessage;
import dev.courier.model.PublishResult;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.MessageFields;
import dev.courier.redis.ScriptRunner;
import io.vertx.core.Future;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * Stores accepted messages: one {@code storeMessage} script per message (dedup + backlog check + store +
 * schedule), pipelined with every other publish on the same event loop.
 *
 * <p>The future fails with {@link BacklogFullException} when the shard is at its backlog limit, and with
 * the Redis error when Redis is unreachable; it succeeds only once Redis said OK.
 */
public final class IngestService {
  private final ScriptRunner scripts;
  private final Keys keys;
  private final long dedupWindowMs;
  private final long maxBacklog;
  private final Runnable wakeWheel;

  public IngestService(ScriptRunner scripts, Keys keys, long dedupWindowMs, long maxBacklog, Runnable wakeWheel) {
    this.scripts = scripts;
    this.keys = keys;
    this.dedupWindowMs = dedupWindowMs;
    this.maxBacklog = maxBacklog;
    this.wakeWheel = wakeWheel;
  }

  /** Thrown (as a failed future) when the backlog limit is reached: the API answers 429. */
  public static final class BacklogFullException extends RuntimeException {
    public BacklogFullException(String message) {
      super(message, null, false, false);
    }
  }

  public Future<PublishResult> publish(NewMessage m) {
    int shard = keys.shardOf(m.id());
    String dedupKey = m.dedupHash() == null ? keys.dedup(shard, "-") : keys.dedup(shard, m.dedupHash());
    List<Object> args = new ArrayList<>(10);
    args.add(m.id());
    args.add(m.notBefore());
    args.add(m.dedupHash() == null ? 0L : dedupWindowMs);
    args.add(maxBacklog);
    args.add(MessageFields.MESSAGE);
    args.add(MessageCodec.encode(m.stored()));
    args.add(MessageFields.TIMEOUT);
    args.add(m.timeoutMs());
    args.add(MessageFields.RETRIED);
    args.add(0L);
    List<String> scriptKeys = List.of(keys.message(shard, m.id()), keys.due(shard), dedupKey);
    return scripts.run(LuaScript.STORE_MESSAGE, scriptKeys, args).map(reply -> outcome(reply, m));
  }

  private PublishResult outcome(Response reply, NewMessage m) {
    long code = reply.get(0).toLong();
    if (code == 1) {
      return new PublishResult(reply.get(1).toString(), m.url(), true);
    }
    if (code == 2) {
      throw new BacklogFullException("backlog limit reached (" + reply.get(1) + " messages waiting), retry later");
    }
    if (m.notBefore() <= System.currentTimeMillis()) {
      wakeWheel.run();
    }
    return new PublishResult(m.id(), m.url(), false);
  }

}
