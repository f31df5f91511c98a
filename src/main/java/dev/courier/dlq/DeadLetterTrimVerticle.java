package dev.courier.dlq;

import dev.courier.redis.Keys;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.OneAtATime;
import dev.courier.redis.ScriptRunner;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces {@code dlq.retention} in the background: every minute, the dead letters older than it are deleted,
 * in bounded script calls. (A new dead letter also trims a few, but a DLQ that nothing enters any more would
 * otherwise keep its expired entries for ever.) Every node runs it; two nodes trimming at once delete nothing
 * twice.
 */
public final class DeadLetterTrimVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterTrimVerticle.class);
  static final long INTERVAL_MS = 60_000;

  private final String redisUrl;
  private final Keys keys;
  private final long retentionMs;
  private RedisConnector redis;
  private final OneAtATime<Long> trims = new OneAtATime<>();
  private volatile boolean stopping;

  public DeadLetterTrimVerticle(String redisUrl, Keys keys, long retentionMs) {
    this.redisUrl = redisUrl;
    this.keys = keys;
    this.retentionMs = retentionMs;
  }

  @Override
  public Future<?> start() {
    redis = new RedisConnector(vertx, redisUrl);
    DeadLetterService dlq = new DeadLetterService(new ScriptRunner(redis), keys);
    vertx.setPeriodic(INTERVAL_MS, id -> {
      // A trim still at work (a large expiry) is not overtaken: it will get there.
      trims.run(() -> dlq.trim(System.currentTimeMillis() - retentionMs, () -> !stopping).andThen(ar -> {
        if (ar.failed()) {
          LOG.warn("dead-letter trim failed: {}", ar.cause().getMessage());
        } else if (ar.result() > 0) {
          LOG.info("dead-letter trim: {} past dlq.retention deleted", ar.result());
        }
      }));
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    // The trim call under way finishes first (closing Redis under it failed it, with a WARN on a clean stop); the
    // trim makes no further call, and the next node's trim deletes the rest.
    stopping = true;
    return trims.idle().eventually(redis::close);
  }
}
