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
    LogConfig log,
    boolean devProfile) {

  /**
   * @param tls null when the API serves plain HTTP
   * @param healthAuth whether the probes ({@code /health}, {@code /health/live}, {@code /health/ready}) take the token
   */
  public record HttpConfig(String host, int port, int instances, int maxConnections, long idleTimeoutMs,
      TlsConfig tls, boolean healthAuth) {
    /** What a client puts before {@code ://}. */
    public String scheme() {
      return tls == null ? "http" : "https";
    }

    public HttpConfig withPort(int port) {
      return new HttpConfig(host, port, instances, maxConnections, idleTimeoutMs, tls, healthAuth);
    }
  }

  /** The API's certificate (chain) and private key, PEM files checked readable at start-up ({@link TlsSettings}). */
  public record TlsConfig(Path certPath, Path keyPath) {}

  /** {@code url} is null when the embedded Redis is to be started. */
  public record RedisConfig(String url, int shards, String keyPrefix) {
    @Override
    public String toString() { // the URL may hold Redis's password
      return "RedisConfig[url=" + redactUrl(url) + ", shards=" + shards
          + ", keyPrefix=" + keyPrefix + "]";
    }
  }

  /**
   * @param token the primary token (what {@code data/credentials.env} holds); null when it is to be generated (or
   *     read from the data folder)
   * @param moreTokens further tokens accepted alongside it ({@code auth.tokens}), so that a token can be rotated
   *     without downtime: add the new one, move the clients, remove the old one
   */
  public record AuthConfig(String token, java.util.List<String> moreTokens) {
    public AuthConfig {
      moreTokens = java.util.List.copyOf(moreTokens);
    }

    /** Every token a request may carry, the primary first. */
    public java.util.List<String> accepted() {
      var all = new java.util.ArrayList<String>();
      if (token != null) {
        all.add(token);
      }
      moreTokens.stream().filter(t -> !t.equals(token)).forEach(all::add);
      return all;
    }

    @Override
    public String toString() { // never a token, should a record be logged
      return "AuthConfig[tokens=" + accepted().size() + "]";
    }
  }

  /** Both null when they are to be generated (or read from the data folder / Redis). */
  public record SigningConfig(String currentKey, String nextKey) {
    public boolean configured() {
      return currentKey != null && nextKey != null;
    }

    @Override
    public String toString() { // never a key, should a record be logged
      return "SigningConfig[configured=" + configured() + "]";
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
      long directWaitMs,
      int hostSharePercent,
      long hostStallMs,
      long stopGraceMs,
      long ackLingerMs,
      long callbackAckLingerMs) {
    /** Dispatchers (event loops sending deliveries) a node runs: {@code instances}, or one per core. */
    public int dispatchers() {
      return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
    }

    /**
     * How long an attempt waits for its host's share before it goes back to the wheel: host-stall, but at most
     * half the lease grace, so that the wait ends well inside the message's lease (a lease that expired while its
     * message waited would let the reaper hand the message to another node, and both would deliver it).
     */
    public long hostWaitMs() {
      return Math.max(1, Math.min(hostStallMs, leaseGraceMs / 2));
    }

    /** Attempts one destination host may have in flight on one dispatcher: its share of the credit, split evenly. */
    public int hostLimitPerDispatcher() {
      return Math.max(1, (int) Math.ceil(maxInFlight * (hostSharePercent / 100.0) / dispatchers()));
    }
  }

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
   * @param auth whether {@code /metrics} takes the API token
   */
  public record MetricsConfig(boolean enabled, long sampleIntervalMs, boolean auth) {}

  /**
   * The event log (dev.courier.eventlog).
   *
   * @param dbUrl a JDBC URL; null for the H2 file under the data folder
   * @param dbUser null when none; {@code dbPassword} likewise
   * @param batchSize most outbox entries a writer reads at once
   * @param pendingIdleMs how long an entry read but not confirmed stays with its reader before another takes it
   * @param writerSharePercent how much of one core the writer may take while the node delivers (100: no limit)
   * @param maxLagMs the lag past which the writer takes more than its share, up to all it needs (0: never)
   * @param readyNeedsDatabase whether /health/ready answers 503 while the database does not take a write
   * @param writerBusyCpuPercent from what machine load the share applies (0: not by that)
   * @param writerBusyLoopsPercent from what demand of the node's event loops the share applies (0: not by that)
   */
  public record EventLogConfig(boolean enabled, String dbUrl, String dbUser, String dbPassword, long retentionMs,
      int batchSize, long pendingIdleMs, int writerSharePercent, long maxLagMs, boolean readyNeedsDatabase,
      int writerBusyCpuPercent, int writerBusyLoopsPercent) {
    @Override
    public String toString() { // never the password, should a record be logged
      return "EventLogConfig[enabled=" + enabled + ", dbUrl=" + redactUrl(dbUrl) + ", dbUser=" + dbUser + "]";
    }
  }

  /** @param format {@code text} or {@code json} (bootstrap.LogFormat) */
  public record LogConfig(String format) {}

  /**
   * A Redis or JDBC URL as it may be shown: the user info's password ({@code //user:pass@}) and a {@code password}
   * parameter ({@code ?password=…}, {@code ;PASSWORD=…}) become {@code ***}. Null stays null.
   */
  public static String redactUrl(String url) {
    return url == null ? null : url.replaceAll("//[^@/]*@", "//***@")
        .replaceAll("(?i)(password=)[^&;]*", "$1***");
  }

  public AppConfig withHttpPort(int port) {
    return new AppConfig(http.withPort(port), dataDir, redis, auth, signing,
        limits, delivery, dlq, queues, topics, flowControl, schedules, security, metrics, eventLog, log, devProfile);
  }

  public AppConfig withRedisUrl(String url) {
    return new AppConfig(http, dataDir, new RedisConfig(url, redis.shards(), redis.keyPrefix()), auth, signing,
        limits, delivery, dlq, queues, topics, flowControl, schedules, security, metrics, eventLog, log, devProfile);
  }

  public AppConfig withCredentials(String token, String currentKey, String nextKey) {
    return new AppConfig(http, dataDir, redis, new AuthConfig(token, auth.moreTokens()), new SigningConfig(currentKey, nextKey),
        limits, delivery, dlq, queues, topics, flowControl, schedules, security, metrics, eventLog, log, devProfile);
  }
}
