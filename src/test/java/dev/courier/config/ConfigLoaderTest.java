package dev.courier.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  private static AppConfig load(Map<String, String> env) {
    return ConfigLoader.load(env, null, false);
  }

  private static ConfigException rejected(Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> load(env));
  }

  private Path yaml(String content) throws IOException {
    Path f = dir.resolve("courier.yaml");
    Files.writeString(f, content);
    return f;
  }

  @Test
  void defaults() {
    AppConfig c = load(Map.of());
    assertEquals(8080, c.http().port());
    assertEquals("127.0.0.1", c.http().host());
    assertEquals(3, c.limits().defaultRetries());
    assertEquals(20, c.limits().maxRetries());
    assertEquals(1_048_576, c.limits().maxBodySize());
    assertEquals(600_000L, c.limits().dedupWindowMs());
    assertEquals(30_000L, c.limits().defaultTimeoutMs());
    assertEquals(900_000L, c.limits().maxTimeoutMs());
    assertEquals(365L * 86_400_000L, c.limits().maxDelayMs());
    assertEquals(7L * 86_400_000L, c.dlq().retentionMs());
    assertNull(c.redis().url());
    assertNull(c.auth().token());
    assertFalse(c.signing().configured());
    assertFalse(c.devProfile());
  }

  @Test
  void environmentOverridesDefaults() {
    AppConfig c = load(Map.of(
        "COURIER_HTTP_PORT", "9999",
        "COURIER_LIMITS_MAX_BODY_SIZE", "2048",
        "COURIER_LIMITS_DEDUP_WINDOW", "1h",
        "COURIER_REDIS_URL", "redis://localhost:6380"));
    assertEquals(9999, c.http().port());
    assertEquals(2048, c.limits().maxBodySize());
    assertEquals(3_600_000L, c.limits().dedupWindowMs());
    assertEquals("redis://localhost:6380", c.redis().url());
  }

  @Test
  void unrelatedEnvironmentIsIgnored() {
    AppConfig c = load(Map.of("HTTP_PORT", "1", "PORT", "2", "COURIER_NOT_A_KEY", "3"));
    assertEquals(8080, c.http().port());
  }

  @Test
  void qstashAliases() {
    AppConfig c = load(Map.of("QSTASH_TOKEN", "tok", "QSTASH_CURRENT_SIGNING_KEY", "sig_cur",
        "QSTASH_NEXT_SIGNING_KEY", "sig_next"));
    assertEquals("tok", c.auth().token());
    assertEquals("sig_cur", c.signing().currentKey());
    assertEquals("sig_next", c.signing().nextKey());
    assertTrue(c.signing().configured());
  }

  @Test
  void courierVariableWinsOverAlias() {
    AppConfig c = load(Map.of("QSTASH_TOKEN", "alias", "COURIER_AUTH_TOKEN", "courier",
        "QSTASH_CURRENT_SIGNING_KEY", "sig_alias_cur", "COURIER_SIGNING_CURRENT_KEY", "sig_cur",
        "QSTASH_NEXT_SIGNING_KEY", "sig_next"));
    assertEquals("courier", c.auth().token());
    assertEquals("sig_cur", c.signing().currentKey());
    assertEquals("sig_next", c.signing().nextKey());
  }

  @Test
  void blankAliasIsIgnored() {
    assertNull(load(Map.of("QSTASH_TOKEN", "  ")).auth().token());
  }

  @Test
  void badPortNamesTheKey() {
    assertTrue(rejected(Map.of("COURIER_HTTP_PORT", "abc")).getMessage().contains("http.port"));
    assertTrue(rejected(Map.of("COURIER_HTTP_PORT", "70000")).getMessage().contains("http.port"));
    assertTrue(rejected(Map.of("COURIER_HTTP_PORT", "-1")).getMessage().contains("http.port"));
  }

  @Test
  void directDispatchIsOnByDefaultAndSwitchable() {
    assertTrue(load(Map.of()).delivery().direct());
    assertFalse(load(Map.of("COURIER_DELIVERY_DIRECT", "FALSE")).delivery().direct());
    ConfigException e = rejected(Map.of("COURIER_DELIVERY_DIRECT", "maybe"));
    assertTrue(e.getMessage().contains("delivery.direct"), e.getMessage());
  }

  @Test
  void theEventLogsLagBoundDefaultsTo2mAndCanBeLiftedOrRefused() {
    assertEquals(120_000, load(Map.of()).eventLog().maxLagMs());
    assertEquals(0, load(Map.of("COURIER_EVENT_LOG_MAX_LAG", "0s")).eventLog().maxLagMs());
    assertEquals(10_000, load(Map.of("COURIER_EVENT_LOG_MAX_LAG", "10s")).eventLog().maxLagMs());
    ConfigException e = rejected(Map.of("COURIER_EVENT_LOG_MAX_LAG", "a little"));
    assertTrue(e.getMessage().contains("event-log.max-lag"), e.getMessage());
  }

  @Test
  void badDurationNamesTheKey() {
    ConfigException e = rejected(Map.of("COURIER_LIMITS_MAX_DELAY", "soon"));
    assertTrue(e.getMessage().contains("limits.max-delay"), e.getMessage());
  }

  @Test
  void headerSizeHasAFloor() {
    assertEquals(1024, load(Map.of("COURIER_LIMITS_MAX_HEADER_SIZE", "1024")).limits().maxHeaderSize());
    ConfigException e = rejected(Map.of("COURIER_LIMITS_MAX_HEADER_SIZE", "1023"));
    assertTrue(e.getMessage().contains("limits.max-header-size"), e.getMessage());
  }

  @Test
  void defaultRetriesAboveMaxIsRejected() {
    ConfigException e = rejected(Map.of("COURIER_LIMITS_DEFAULT_RETRIES", "21"));
    assertTrue(e.getMessage().contains("limits.default-retries"), e.getMessage());
  }

  @Test
  void defaultTimeoutAboveMaxIsRejected() {
    ConfigException e = rejected(Map.of("COURIER_LIMITS_DEFAULT_TIMEOUT", "1h"));
    assertTrue(e.getMessage().contains("limits.default-timeout"), e.getMessage());
  }

  @Test
  void yamlFileOverridesDefaultsAndEnvOverridesFile() throws IOException {
    Path f = yaml("http:\n  port: 7777\n  host: localhost\nlimits:\n  max-retries: 10\n  dedup-window: 2h\n");
    AppConfig c = ConfigLoader.load(Map.of(), f, false);
    assertEquals(7777, c.http().port());
    assertEquals("localhost", c.http().host());
    assertEquals(10, c.limits().maxRetries());
    assertEquals(7_200_000L, c.limits().dedupWindowMs());
    assertEquals(1_048_576, c.limits().maxBodySize()); // untouched keys keep their defaults
    assertEquals(9999, ConfigLoader.load(Map.of("COURIER_HTTP_PORT", "9999"), f, false).http().port());
  }

  @Test
  void courierConfigVariableNamesTheFile() throws IOException {
    Path f = yaml("http:\n  port: 7001\n");
    assertEquals(7001, load(Map.of("COURIER_CONFIG", f.toString())).http().port());
  }

  @Test
  void missingExplicitFileIsRejected() {
    Path missing = dir.resolve("nope.yaml");
    assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(), missing, false));
  }

  @Test
  void unknownKeyInFileIsRejectedByName() throws IOException {
    Path f = yaml("http:\n  prot: 1\n");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(), f, false));
    assertTrue(e.getMessage().contains("http.prot"), e.getMessage());
  }

  @Test
  void badValueInFileNamesTheKey() throws IOException {
    Path f = yaml("limits:\n  max-delay: soon\n");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(), f, false));
    assertTrue(e.getMessage().contains("limits.max-delay"), e.getMessage());
  }

  @Test
  void onlyOneSigningKeyIsRejected() {
    assertThrows(ConfigException.class, () -> load(Map.of("QSTASH_CURRENT_SIGNING_KEY", "sig_cur")));
    assertThrows(ConfigException.class, () -> load(Map.of("COURIER_SIGNING_NEXT_KEY", "sig_next")));
  }

  @Test
  void devFlagUsesPublicDevCredentials() {
    AppConfig c = ConfigLoader.load(Map.of(), null, true);
    assertTrue(c.devProfile());
    assertEquals(ConfigLoader.DEV_TOKEN, c.auth().token());
    assertEquals(ConfigLoader.DEV_CURRENT_KEY, c.signing().currentKey());
    assertEquals(ConfigLoader.DEV_NEXT_KEY, c.signing().nextKey());
  }

  @Test
  void devProfileFromEnvironment() {
    AppConfig c = load(Map.of("COURIER_PROFILE", "dev"));
    assertTrue(c.devProfile());
    assertEquals(ConfigLoader.DEV_TOKEN, c.auth().token());
    assertEquals(ConfigLoader.DEV_CURRENT_KEY, c.signing().currentKey());
    assertEquals(ConfigLoader.DEV_NEXT_KEY, c.signing().nextKey());
    assertFalse(load(Map.of("COURIER_PROFILE", "prod")).devProfile());
  }

  @Test
  void devProfileRefusesNonLoopbackHost() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(Map.of("COURIER_HTTP_HOST", "0.0.0.0"), null, true));
    assertTrue(e.getMessage().contains("loopback"), e.getMessage());
    ConfigException viaEnv = rejected(Map.of("COURIER_PROFILE", "dev", "COURIER_HTTP_HOST", "0.0.0.0"));
    assertTrue(viaEnv.getMessage().contains("loopback"), viaEnv.getMessage());
    // Without the dev profile the same host is fine.
    assertEquals("0.0.0.0", load(Map.of("COURIER_HTTP_HOST", "0.0.0.0")).http().host());
  }

  @Test
  void envName() {
    assertEquals("COURIER_LIMITS_MAX_BODY_SIZE", ConfigLoader.envName("limits.max-body-size"));
    assertEquals("COURIER_HTTP_PORT", ConfigLoader.envName("http.port"));
    assertEquals("COURIER_DATA_DIR", ConfigLoader.envName("data-dir"));
  }

  /** A bad Redis URL names its key, like any other setting, and does not repeat the value (a password). */
  @Test
  void aBadRedisUrlNamesItsKeyAndNotItsPassword() {
    for (String bad : List.of("redis//host:6379", "http://host:6379", "redis://:s3cret@", "not a url at all")) {
      ConfigException e = rejected(Map.of("COURIER_REDIS_URL", bad));
      assertTrue(e.getMessage().startsWith("redis.url: "), e.getMessage());
      assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }
    for (String good : List.of("redis://127.0.0.1:6379", "rediss://:pw@host:6380/2", "unix:///tmp/redis.sock")) {
      assertEquals(good, load(Map.of("COURIER_REDIS_URL", good)).redis().url());
    }
  }

  /** A misspelt COURIER_* variable was silently ignored: it is named, with the setting it was probably meant for. */
  @Test
  void unknownCourierVariablesAreNamedWithTheClosestSetting() {
    List<String> warnings = ConfigLoader.unknownVariables(Map.of("COURIER_REDIS_UR", "redis://x:1",
        "COURIER_DELIVERY_MAX_INFLIGHT", "5", "COURIER_HTTP_PORT", "8080", "COURIER_PROFILE", "dev",
        "COURIER_CONFIG", "c.yaml", "PATH", "/bin"));
    assertEquals(2, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).startsWith("COURIER_DELIVERY_MAX_INFLIGHT is not a setting"), warnings.get(0));
    assertTrue(warnings.get(0).contains("COURIER_DELIVERY_MAX_IN_FLIGHT (delivery.max-in-flight)"), warnings.get(0));
    assertTrue(warnings.get(1).contains("did you mean COURIER_REDIS_URL (redis.url)?"), warnings.get(1));
  }

  @Test
  void metricsAreOnByDefaultAndCanBeTurnedOff() {
    assertTrue(load(Map.of()).metrics().enabled());
    assertEquals(5_000, load(Map.of()).metrics().sampleIntervalMs());
    assertFalse(load(Map.of("COURIER_METRICS_ENABLED", "false")).metrics().enabled());
    assertTrue(rejected(Map.of("COURIER_METRICS_SAMPLE_INTERVAL", "0s")).getMessage()
        .startsWith("metrics.sample-interval"));
  }

  /** The stop's grace period was a constant in DispatchVerticle: an operator with long attempts could not widen it. */
  @Test
  void stopGraceIsADurationWithADefault() {
    assertEquals(10_000L, load(Map.of()).delivery().stopGraceMs());
    assertEquals(90_000L, load(Map.of("COURIER_DELIVERY_STOP_GRACE", "90s")).delivery().stopGraceMs());
    assertTrue(rejected(Map.of("COURIER_DELIVERY_STOP_GRACE", "soon")).getMessage().startsWith("delivery.stop-grace"));
  }

  /** The ack linger is off unless asked for, and bounded: a long one would hold every attempt's credit. */
  @Test
  void ackLingerIsOffByDefaultAndBounded() {
    assertEquals(0L, load(Map.of()).delivery().ackLingerMs());
    assertEquals(1L, load(Map.of("COURIER_DELIVERY_ACK_LINGER_MS", "1")).delivery().ackLingerMs());
    assertTrue(rejected(Map.of("COURIER_DELIVERY_ACK_LINGER_MS", "500")).getMessage()
        .startsWith("delivery.ack-linger-ms"));
  }

  /**
   * A publish waits up to 100 ms for credit by default, 0 turns it off, and at most a minute (it waits before it is
   * stored: the wait delays the publish's answer, never shortens a lease).
   */
  @Test
  void directWaitIsAHundredMillisecondsByDefaultAndBounded() {
    assertEquals(100L, load(Map.of()).delivery().directWaitMs());
    assertEquals(0L, load(Map.of("COURIER_DELIVERY_DIRECT_WAIT_MS", "0")).delivery().directWaitMs());
    assertTrue(rejected(Map.of("COURIER_DELIVERY_DIRECT_WAIT_MS", "-1")).getMessage()
        .startsWith("delivery.direct-wait-ms"));
    assertTrue(rejected(Map.of("COURIER_DELIVERY_DIRECT_WAIT_MS", "60001")).getMessage()
        .startsWith("delivery.direct-wait-ms"));
  }

  /** The callbacks' ack linger is on by default (2 ms), can be turned off, and is bounded as the other. */
  @Test
  void callbackAckLingerIsTwoMillisecondsByDefaultAndBounded() {
    assertEquals(2L, load(Map.of()).delivery().callbackAckLingerMs());
    assertEquals(0L, load(Map.of("COURIER_DELIVERY_CALLBACK_ACK_LINGER_MS", "0")).delivery().callbackAckLingerMs());
    assertTrue(rejected(Map.of("COURIER_DELIVERY_CALLBACK_ACK_LINGER_MS", "-1")).getMessage()
        .startsWith("delivery.callback-ack-linger-ms"));
  }

  /** By default the writer keeps to its share whenever the node delivers (0); a percentage of CPU otherwise. */
  @Test
  void writerBusyCpuIsOffByDefaultAndAPercentage() {
    assertEquals(0, load(Map.of()).eventLog().writerBusyCpuPercent());
    assertEquals(80, load(Map.of("COURIER_EVENT_LOG_WRITER_BUSY_CPU", "80")).eventLog().writerBusyCpuPercent());
    assertTrue(rejected(Map.of("COURIER_EVENT_LOG_WRITER_BUSY_CPU", "101")).getMessage()
        .startsWith("event-log.writer-busy-cpu"));
  }

  /** The loops' demand from which the share applies: 75 by default, 0 for off (the share whenever it delivers). */
  @Test
  void writerBusyLoopsIs75ByDefaultAndAPercentage() {
    assertEquals(75, load(Map.of()).eventLog().writerBusyLoopsPercent());
    assertEquals(0, load(Map.of("COURIER_EVENT_LOG_WRITER_BUSY_LOOPS", "0")).eventLog().writerBusyLoopsPercent());
    assertTrue(rejected(Map.of("COURIER_EVENT_LOG_WRITER_BUSY_LOOPS", "-1")).getMessage()
        .startsWith("event-log.writer-busy-loops"));
  }
}
