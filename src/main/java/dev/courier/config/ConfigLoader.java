package dev.courier.config;

import dev.courier.api.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * Maps configuration once into {@link AppConfig}: the defaults built into the jar (the documented
 * {@code conf/courier.yaml}), then a YAML file of the operator's, then {@code COURIER_*} environment
 * variables. Every value is validated here so that a bad one stops start-up naming its key, instead
 * of failing later on a hot path.
 */
public final class ConfigLoader {

  /** Public development credentials of the official QStash dev server (qstash-api.md §23). */
  public static final String DEV_TOKEN =
      "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=";
  public static final String DEV_CURRENT_KEY = "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r";
  public static final String DEV_NEXT_KEY = "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs";

  private final Map<String, Object> values;

  private ConfigLoader(Map<String, Object> values) {
    this.values = values;
  }

  /**
   * @param env the process environment (tests pass their own)
   * @param file an explicit YAML file, or null for {@code COURIER_CONFIG} / {@code ./conf/courier.yaml} if present
   * @param dev whether {@code --dev} was given
   * @throws ConfigException naming the key of the first bad value
   */
  public static AppConfig load(Map<String, String> env, Path file, boolean dev) {
    Map<String, Object> values = defaults();
    Path overlay = file != null ? file
        : env.containsKey("COURIER_CONFIG") ? Path.of(env.get("COURIER_CONFIG")) : Path.of("conf", "courier.yaml");
    if (file != null || env.containsKey("COURIER_CONFIG") || Files.isRegularFile(overlay)) {
      Map<String, Object> fromFile = new LinkedHashMap<>();
      try (Reader r = Files.newBufferedReader(overlay)) {
        flatten("", new Yaml().load(r), fromFile);
      } catch (IOException | RuntimeException e) {
        throw new ConfigException("cannot read configuration file " + overlay + ": " + e.getMessage());
      }
      for (var e : fromFile.entrySet()) {
        if (!values.containsKey(e.getKey())) {
          throw new ConfigException("unknown configuration key '" + e.getKey() + "' in " + overlay);
        }
        values.put(e.getKey(), e.getValue());
      }
    }
    for (String key : values.keySet().toArray(String[]::new)) {
      String v = env.get(envName(key));
      if (v != null) {
        values.put(key, v);
      }
    }
    alias(env, "QSTASH_TOKEN", "auth.token", values);
    alias(env, "QSTASH_CURRENT_SIGNING_KEY", "signing.current-key", values);
    alias(env, "QSTASH_NEXT_SIGNING_KEY", "signing.next-key", values);
    alias(env, "COURIER_DB_URL", "event-log.db-url", values);
    alias(env, "COURIER_DB_USER", "event-log.db-user", values);
    alias(env, "COURIER_DB_PASSWORD", "event-log.db-password", values);
    boolean devProfile = dev || "dev".equalsIgnoreCase(env.getOrDefault("COURIER_PROFILE", ""));
    boolean production = "production".equalsIgnoreCase(env.getOrDefault("COURIER_PROFILE", ""));
    if (production && !env.containsKey("COURIER_SECURITY_DENY_PRIVATE_NETWORKS")) {
      // The production profile denies private and loopback destinations (the SSRF guard) unless told otherwise.
      values.put("security.deny-private-networks", true);
    }
    return new ConfigLoader(values).map(devProfile);
  }

  /**
   * One warning per {@code COURIER_*} variable that names no setting (a misspelling is otherwise silently
   * ignored), naming the closest one.
   */
  public static java.util.List<String> unknownVariables(Map<String, String> env) {
    Map<String, String> known = new java.util.TreeMap<>();
    for (String key : defaults().keySet()) {
      known.put(envName(key), key);
    }
    known.put("COURIER_CONFIG", null);
    known.put("COURIER_PROFILE", null);
    known.put("COURIER_DB_URL", null);
    known.put("COURIER_DB_USER", null);
    known.put("COURIER_DB_PASSWORD", null);
    java.util.List<String> warnings = new java.util.ArrayList<>();
    for (String name : new java.util.TreeSet<>(env.keySet())) {
      if (!name.startsWith("COURIER_") || known.containsKey(name)) {
        continue;
      }
      String closest = null;
      int best = Integer.MAX_VALUE;
      for (String candidate : known.keySet()) {
        int d = distance(name, candidate);
        if (d < best) {
          best = d;
          closest = candidate;
        }
      }
      String key = known.get(closest);
      warnings.add(name + " is not a setting and is ignored; did you mean " + closest
          + (key == null ? "" : " (" + key + ")") + "?");
    }
    return warnings;
  }

  /** Levenshtein distance: names are short, and this runs once at start-up. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static Map<String, Object> defaults() {
    Map<String, Object> values = new LinkedHashMap<>();
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream("courier.yaml")) {
      if (in == null) {
        throw new ConfigException("built-in defaults courier.yaml missing from the classpath");
      }
      flatten("", new Yaml().load(in), values);
    } catch (IOException e) {
      throw new ConfigException("cannot read built-in defaults: " + e.getMessage());
    }
    return values;
  }

  /** {@code limits.max-body-size} → {@code COURIER_LIMITS_MAX_BODY_SIZE}. */
  public static String envName(String key) {
    return "COURIER_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static void alias(Map<String, String> env, String name, String key, Map<String, Object> values) {
    // The names the SDKs read, so one env file serves the app and Courier; COURIER_* still wins.
    String v = env.get(name);
    if (v != null && !v.isBlank() && !env.containsKey(envName(key))) {
      values.put(key, v);
    }
  }

  @SuppressWarnings("unchecked")
  private static void flatten(String prefix, Object node, Map<String, Object> out) {
    if (node instanceof Map<?, ?> map) {
      for (var e : ((Map<String, Object>) map).entrySet()) {
        flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
      }
    } else if (!prefix.isEmpty()) {
      out.put(prefix, node);
    }
  }

  private AppConfig map(boolean dev) {
    var http = new AppConfig.HttpConfig(string("http.host"), intIn("http.port", 0, 65535),
        intIn("http.instances", 0, 256), intIn("http.max-connections", 0, 10_000_000), duration("http.idle-timeout"),
        TlsSettings.check(optional(TlsSettings.CERT_KEY), optional(TlsSettings.KEY_KEY)), bool("http.health-auth"));
    var redis = new AppConfig.RedisConfig(redisUrl("redis.url"), intIn("redis.shards", 1, 1024),
        string("redis.key-prefix"));
    var auth = auth();
    var signing = new AppConfig.SigningConfig(optional("signing.current-key"), optional("signing.next-key"));
    if ((signing.currentKey() == null) != (signing.nextKey() == null)) {
      throw new ConfigException("signing.current-key and signing.next-key must be given together");
    }
    var limits = new AppConfig.LimitsConfig(
        intIn("limits.max-body-size", 1, 512 * 1024 * 1024),
        duration("limits.max-delay"),
        intIn("limits.default-retries", 0, 1000),
        intIn("limits.max-retries", 0, 1000),
        duration("limits.default-timeout"),
        duration("limits.max-timeout"),
        duration("limits.dedup-window"),
        intIn("limits.max-header-size", 1024, 16 * 1024 * 1024),
        longIn("limits.max-backlog", 0, Long.MAX_VALUE),
        longIn("limits.max-body-bytes-in-flight", 0, Long.MAX_VALUE));
    if (limits.defaultRetries() > limits.maxRetries()) {
      throw new ConfigException("limits.default-retries must not exceed limits.max-retries");
    }
    if (limits.defaultTimeoutMs() <= 0 || limits.defaultTimeoutMs() > limits.maxTimeoutMs()) {
      throw new ConfigException("limits.default-timeout must be positive and at most limits.max-timeout");
    }
    var delivery = new AppConfig.DeliveryConfig(
        intIn("delivery.instances", 0, 256),
        intIn("delivery.max-in-flight", 1, 1_000_000),
        intIn("delivery.claim-batch", 1, 10_000),
        longIn("delivery.tick-interval-ms", 1, 60_000),
        duration("delivery.lease-grace"),
        longIn("delivery.reaper-interval-ms", 10, 600_000),
        intIn("delivery.pool-size-per-host", 1, 10_000),
        intIn("delivery.max-response-body", 0, 64 * 1024 * 1024),
        bool("delivery.direct"),
        longIn("delivery.direct-wait-ms", 0, 60_000),
        intIn("delivery.host-share", 1, 100),
        duration("delivery.host-stall"),
        duration("delivery.stop-grace"),
        longIn("delivery.ack-linger-ms", 0, 100),
        longIn("delivery.callback-ack-linger-ms", 0, 100));
    if (delivery.hostStallMs() < 100) {
      throw new ConfigException("delivery.host-stall: at least 100ms");
    }
    var dlq = new AppConfig.DlqConfig(duration("dlq.retention"));
    var queues = new AppConfig.QueuesConfig(intIn("queues.max-queues", 0, 10_000_000),
        intIn("queues.max-parallelism", 1, 1_000_000));
    var topics = new AppConfig.TopicsConfig(intIn("url-groups.max-groups", 0, 1_000_000),
        intIn("url-groups.max-endpoints", 1, 10_000), intIn("batch.max-messages", 1, 100_000),
        intIn("batch.max-bytes", 1024, Integer.MAX_VALUE));
    var flowControl = new AppConfig.FlowControlConfig(intIn("flow-control.max-keys", 0, 10_000_000));
    var schedules = new AppConfig.SchedulesConfig(intIn("schedules.max-schedules", 0, 10_000_000),
        longIn("schedules.poll-interval-ms", 10, 60_000));
    var security = new AppConfig.SecurityConfig(bool("security.deny-private-networks"),
        networks("security.denied-networks"));
    var metrics = new AppConfig.MetricsConfig(bool("metrics.enabled"), duration("metrics.sample-interval"),
        bool("metrics.auth"));
    if (metrics.sampleIntervalMs() < 1000) {
      throw new ConfigException("metrics.sample-interval: at least 1s");
    }
    var eventLog = new AppConfig.EventLogConfig(bool("event-log.enabled"), optional("event-log.db-url"),
        optional("event-log.db-user"), optional("event-log.db-password"), duration("event-log.retention"),
        intIn("event-log.batch-size", 1, 10_000), duration("event-log.pending-idle"),
        intIn("event-log.writer-share", 1, 100), duration("event-log.max-lag"),
        bool("event-log.ready-needs-database"), intIn("event-log.writer-busy-cpu", 0, 100),
        intIn("event-log.writer-busy-loops", 0, 100));
    if (eventLog.dbUrl() != null && !eventLog.dbUrl().startsWith("jdbc:h2:")
        && !eventLog.dbUrl().startsWith("jdbc:postgresql:")) {
      throw new ConfigException("event-log.db-url: a jdbc:postgresql: or jdbc:h2: URL, not '"
          + AppConfig.redactUrl(eventLog.dbUrl()) + "'");
    }
    if (eventLog.pendingIdleMs() < 1000) {
      throw new ConfigException("event-log.pending-idle: at least 1s");
    }
    var log = new AppConfig.LogConfig(string("log.format"));
    if (!log.format().equals("text") && !log.format().equals("json")) {
      throw new ConfigException("log.format: text or json, not '" + log.format() + "'");
    }
    Path dataDir = Path.of(string("data-dir"));
    if (dev) {
      // The SDK's QSTASH_DEV mode talks to 127.0.0.1:8080 with public credentials: never expose them.
      if (!isLoopback(http.host())) {
        throw new ConfigException("http.host: the dev profile binds loopback only, not '" + http.host() + "'");
      }
      auth = new AppConfig.AuthConfig(DEV_TOKEN, java.util.List.of());
      signing = new AppConfig.SigningConfig(DEV_CURRENT_KEY, DEV_NEXT_KEY);
    }
    return new AppConfig(http, dataDir, redis, auth, signing, limits, delivery, dlq, queues, topics, flowControl,
        schedules, security, metrics, eventLog, log, dev);
  }

  /**
   * {@code auth.token} and {@code auth.tokens} (comma-separated, or a YAML list). The latter only adds tokens: with
   * {@code auth.token} empty the data folder's token (generated at the first start) stays the primary one and keeps
   * working, so that adding a token to rotate to never locks out the clients of the generated one.
   */
  private AppConfig.AuthConfig auth() {
    String token = optional("auth.token");
    Object raw = raw("auth.tokens");
    Iterable<?> items = raw instanceof java.util.List<?> list ? list
        : raw == null ? java.util.List.of() : java.util.List.of(raw.toString().split(","));
    java.util.List<String> more = new java.util.ArrayList<>();
    for (Object item : items) {
      String t = item == null ? "" : item.toString().trim();
      if (t.isEmpty()) {
        continue;
      }
      // A client sends "Bearer <token>", trimmed: a token with white space or a comma could never match. The
      // value is not repeated, as it is a secret.
      if (!t.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ',')) {
        throw new ConfigException("auth.tokens: a token holds a space, a comma or a non-ASCII character");
      }
      more.add(t);
    }
    return new AppConfig.AuthConfig(token, more);
  }

  /** A comma-separated list of CIDRs, each checked (the key named in the error). */
  private java.util.List<String> networks(String key) {
    String v = optional(key);
    if (v == null || v.isBlank()) {
      return java.util.List.of();
    }
    java.util.List<String> out = new java.util.ArrayList<>();
    for (String c : v.split(",")) {
      if (!c.isBlank()) {
        try {
          new dev.courier.security.NetworkPolicy(false, java.util.List.of(c.trim()));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(key + ": " + e.getMessage());
        }
        out.add(c.trim());
      }
    }
    return out;
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private Object raw(String key) {
    if (!values.containsKey(key)) {
      throw new ConfigException("missing configuration key '" + key + "'");
    }
    return values.get(key);
  }

  private String string(String key) {
    Object v = raw(key);
    if (v == null || v.toString().isBlank()) {
      throw new ConfigException(key + ": must not be empty");
    }
    return v.toString().trim();
  }

  private String optional(String key) {
    Object v = raw(key);
    return v == null || v.toString().isBlank() ? null : v.toString().trim();
  }

  /**
   * Checked here so that a bad value names its key, as every other setting does. The value itself is not
   * repeated: it may hold a password.
   */
  private String redisUrl(String key) {
    String url = optional(key);
    if (url == null) {
      return null;
    }
    boolean ok;
    try {
      java.net.URI uri = new java.net.URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
      ok = scheme.equals("unix") ? uri.getPath() != null && !uri.getPath().isEmpty()
          : (scheme.equals("redis") || scheme.equals("rediss")) && uri.getHost() != null;
    } catch (java.net.URISyntaxException e) {
      ok = false;
    }
    if (!ok) {
      throw new ConfigException(key + ": not a Redis URL; expected redis://[:password@]host:port[/db], rediss://… or"
          + " unix:///path/to/socket");
    }
    return url;
  }

  private boolean bool(String key) {
    Object v = raw(key);
    if (v instanceof Boolean b) {
      return b;
    }
    String s = String.valueOf(v).trim();
    if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new ConfigException(key + ": '" + v + "' is not true or false");
  }

  private int intIn(String key, int min, int max) {
    return (int) longIn(key, min, max);
  }

  private long longIn(String key, long min, long max) {
    Object v = raw(key);
    long n;
    try {
      n = v instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(v).trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + ": '" + v + "' is not a whole number");
    }
    if (n < min || n > max) {
      throw new ConfigException(key + ": " + n + " is out of range [" + min + ", " + max + "]");
    }
    return n;
  }

  private long duration(String key) {
    Object v = raw(key);
    try {
      return Durations.parseMillis(String.valueOf(v));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key + ": '" + v + "' is not a duration (e.g. 30s, 10m, 1d12h)");
    }
  }
}
