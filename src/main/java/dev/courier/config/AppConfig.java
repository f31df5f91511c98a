package dev.courier.config;

import java.nio.file.Path;

/**
 * The whole configuration, mapped once from {@code conf/courier.yaml} plus {@code COURIER_*} overrides
 * and validated by {@link ConfigLoader}. Each verticle receives only the slice it needs.
 */
public record AppConfig(
    HttpConfig http,
    Path dataDir,
    RedisConfig redis,
    AuthConfig auth,
    SigningConfig signing,
    LimitsConfig limits,
    DeliveryConfig delivery,
    DlqConfig dlq,
    QueuesConfig queues,
    TopicsConfig topics,
    FlowControlConfig flowControl,
    SchedulesConfig schedules,
    SecurityConfig security,
    MetricsConfig metrics,
    EventLogConfig eventLog,
    boolean devProfile) {

  public record HttpConfig(String host, int port, int instances, int maxConnections, long idleTimeoutMs) {}

  /** {@code url} is null when the embedded Redis is to be started. */
  public record RedisConfig(String url, int shards, String keyPrefix) {}

  /** {@code token} is null when it is to be generated (or read from the data folder). */
  public record AuthConfig(String token) {}

  /** Both null when they are to be generated (or read from the data folder / Redis). */
  public record SigningConfig(String currentKey, String nextKey) {
    public boolean configured() {
      return currentKey != null && nextKey != null;
    }
  }

  public record LimitsConfig(
      int maxBodySize,
      long maxDelayMs,
      int defaultRetries,
      int maxRetries,
      long defaultTimeoutMs,
      long maxTimeoutMs,
      long dedupWindowMs,
      int maxHeaderSize,
      long maxBacklog,
      long maxBodyBytesInFlight) {}

  public record DeliveryConfig(
      int instances,
      int maxInFlight,
      int claimBatch,
      long tickIntervalMs,
      long leaseGraceMs,
      long reaperIntervalMs,
      int poolSizePerHost,
      int maxResponseBody,
      boolean direct,
      long stopGraceMs) {}

  public record DlqConfig(long retentionMs) {}

  public record QueuesConfig(int maxQueues, int maxParallelism) {}

  /** URL groups: how many, and how many endpoints each; a batch publish: how many items and bytes. */
  public record TopicsConfig(int maxTopics, int maxEndpoints, int maxBatchSize, int maxBatchBytes) {}

  /** @param maxKeys most flow-control keys the deployment keeps; a message with one more answers 412 */
  public record FlowControlConfig(int maxKeys) {}

  /**
   * @param maxSchedules most schedules the deployment keeps; creating one more answers 412
   * @param pollIntervalMs how often each node's scheduler looks for due schedules
   */
  public record SchedulesConfig(int maxSchedules, long pollIntervalMs) {}

  /**
   * The SSRF guard ({@code dev.courier.security.NetworkPolicy}).
   *
   * @param denyPrivateNetworks deny private and loopback addresses too (on in the production profile)
   * @param deniedNetworks more networks to deny, as CIDRs
   */
  public record SecurityConfig(boolean denyPrivateNetworks, java.util.List<String> deniedNetworks) {}

  /**
   * @param enabled whether {@code /metrics} and the meters exist (off: no-op meters, no Vert.x metrics)
   * @param sampleIntervalMs how often the backlog gauges read Redis
   */
  public record MetricsConfig(boolean enabled, long sampleIntervalMs) {}

  /**
   * The event log (dev.courier.eventlog).
   *
   * @param dbUrl a JDBC URL; null for the H2 file under the data folder
   * @param dbUser null when none; {@code dbPassword} likewise
   * @param batchSize most outbox entries a writer reads at once
   * @param pendingIdleMs how long an entry read but not confirmed stays with its reader before another takes it
   * @param writerSharePercent how much of one core the writer may take while the node delivers (100: no limit)
   */
  public record EventLogConfig(boolean enabled, String dbUrl, String dbUser, String dbPassword, long retentionMs,
      int batchSize, long pendingIdleMs, int writerSharePercent) {
    @Override
    public String toString() { // never the password, should a record be logged
      return "EventLogConfig[enabled=" + enabled + ", dbUrl=" + dbUrl + ", dbUser=" + dbUser + "]";
    }
  }

  public AppConfig withHttpPort(int port) {
    return new AppConfig(new HttpConfig(http.host(), port, http.instances(), http.maxConnections(), http.idleTimeoutMs()), dataDir, redis, auth, signing,
        limits, delivery, dlq, queues, topics, flowControl, schedules, security, metrics, eventLog, devProfile);
  }

  public AppConfig withRedisUrl(String url) {
    return new AppConfig(http, dataDir, new RedisConfig(url, redis.shards(), redis.keyPrefix()), auth, signing,
        limits, delivery, dlq, queues, topics, flowControl, schedules, security, metrics, eventLog, devProfile);
  }

  public AppConfig withCredentials(String token, String currentKey, String nextKey) {
    return new AppConfig(http, dataDir, redis, new AuthConfig(token), new SigningConfig(currentKey, nextKey),
        limits, delivery, dlq, queues, topics, flowControl, schedules, security, metrics, eventLog, devProfile);
  }
}
