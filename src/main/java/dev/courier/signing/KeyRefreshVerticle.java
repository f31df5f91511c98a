package dev.courier.signing;

import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Re-reads the shared signing keys from Redis four times a second, so a rotation reaches every node. Until
 * it does, another node still signs with the key the rotation retired, and a receiver that loaded the new
 * pair at once rejects those deliveries (and they are retried): the interval bounds that window, and an
 * HMGET every 250 ms is nothing for Redis.
 */
public final class KeyRefreshVerticle extends VerticleBase {
  private static final long INTERVAL_MS = 250;

  private final String redisUrl;
  private final SigningKeyStore store;
  private RedisConnector redis;

  public KeyRefreshVerticle(String redisUrl, SigningKeyStore store) {
    this.redisUrl = redisUrl;
    this.store = store;
  }

  @Override
  public Future<?> start() {
    redis = new RedisConnector(vertx, redisUrl);
    ScriptRunner scripts = new ScriptRunner(redis);
    vertx.setPeriodic(INTERVAL_MS, id -> store.refresh(scripts)); // a failed refresh keeps the cached pair
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return redis.close();
  }
}
