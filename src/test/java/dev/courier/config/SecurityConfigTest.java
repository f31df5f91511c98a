package dev.courier.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.SelfSignedCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings of issue 21's security part: several tokens, probe and metrics auth, TLS files. */
class SecurityConfigTest {

  @TempDir
  Path dir;

  private static AppConfig load(Map<String, String> env) {
    return ConfigLoader.load(env, null, false);
  }

  private static String rejected(Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> load(env)).getMessage();
  }

  @Test
  void oneTokenByDefaultAndMoreFromCourierAuthTokens() {
    assertEquals(List.of("primary"), load(Map.of("COURIER_AUTH_TOKEN", "primary")).auth().accepted());
    AppConfig c = load(Map.of("COURIER_AUTH_TOKEN", "primary", "COURIER_AUTH_TOKENS", " next ,, other,primary "));
    assertEquals("primary", c.auth().token(), "auth.token stays the primary one (credentials.env, the SDKs)");
    assertEquals(List.of("primary", "next", "other"), c.auth().accepted(), "blank and repeated entries dropped");
    // The QSTASH_TOKEN alias still fills auth.token.
    assertEquals(List.of("alias", "next"),
        load(Map.of("QSTASH_TOKEN", "alias", "COURIER_AUTH_TOKENS", "next")).auth().accepted());
  }

  /** Adding a token to rotate to must not retire the generated one its clients still use. */
  @Test
  void tokensAloneAddToTheGeneratedOne() {
    AppConfig c = load(Map.of("COURIER_AUTH_TOKENS", "first,second"));
    assertNull(c.auth().token(), "generated (or the data folder's) at start: Credentials");
    assertEquals(List.of("first", "second"), c.auth().moreTokens());
    assertEquals(List.of("generated", "first", "second"), c.withCredentials("generated", "sig_a", "sig_b").auth()
        .accepted());
  }

  @Test
  void tokensAsAYamlList() throws IOException {
    Path f = dir.resolve("courier.yaml");
    Files.writeString(f, "auth:\n  token: one\n  tokens:\n    - two\n    - three\n");
    assertEquals(List.of("one", "two", "three"), ConfigLoader.load(Map.of(), f, false).auth().accepted());
  }

  @Test
  void aTokenThatCouldNeverMatchIsRefusedWithoutRepeatingIt() {
    String message = rejected(Map.of("COURIER_AUTH_TOKENS", "good,sec ret"));
    assertTrue(message.startsWith("auth.tokens: "), message);
    assertFalse(message.contains("sec"), message);
  }

  @Test
  void noSecretInTheRecordsToString() {
    AppConfig c = load(Map.of("COURIER_AUTH_TOKEN", "tok-secret-1", "COURIER_AUTH_TOKENS", "tok-secret-2",
        "COURIER_SIGNING_CURRENT_KEY", "sig_secret_cur", "COURIER_SIGNING_NEXT_KEY", "sig_secret_next",
        "COURIER_REDIS_URL", "redis://:redis-pass@127.0.0.1:6379", "COURIER_DB_PASSWORD", "db-pass",
        "COURIER_DB_URL", "jdbc:postgresql://db/courier?user=c&password=url-pass&ssl=true"));
    String text = c.toString();
    for (String secret : List.of("tok-secret", "sig_secret", "redis-pass", "db-pass", "url-pass")) {
      assertFalse(text.contains(secret), secret + " in " + text);
    }
    assertTrue(text.contains("AuthConfig[tokens=2]"), text);
    assertTrue(text.contains("?user=c&password=***&ssl=true"), text);
    String bad = rejected(Map.of("COURIER_DB_URL", "jdbc:mysql://u:pw1@db/x?password=pw2"));
    assertTrue(bad.startsWith("event-log.db-url: ") && !bad.contains("pw1") && !bad.contains("pw2"), bad);
  }

  @Test
  void probesAreOpenAndMetricsTakeTheTokenByDefault() {
    AppConfig c = load(Map.of());
    assertFalse(c.http().healthAuth());
    assertTrue(c.metrics().auth());
    AppConfig flipped = load(Map.of("COURIER_HTTP_HEALTH_AUTH", "true", "COURIER_METRICS_AUTH", "false"));
    assertTrue(flipped.http().healthAuth());
    assertFalse(flipped.metrics().auth());
    assertTrue(rejected(Map.of("COURIER_METRICS_AUTH", "maybe")).startsWith("metrics.auth: "));
    assertTrue(ConfigLoader.unknownVariables(Map.of("COURIER_AUTH_TOKENS", "x", "COURIER_HTTP_TLS_CERT_PATH", "y",
        "COURIER_HTTP_HEALTH_AUTH", "true", "COURIER_METRICS_AUTH", "true")).isEmpty());
  }

  @Test
  void tlsIsOffByDefaultAndOnWithBothPemFiles() throws Exception {
    assertNull(load(Map.of()).http().tls());
    assertEquals("http", load(Map.of()).http().scheme());
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    AppConfig c = load(Map.of("COURIER_HTTP_TLS_CERT_PATH", cert.certificatePath(),
        "COURIER_HTTP_TLS_KEY_PATH", cert.privateKeyPath()));
    assertEquals(Path.of(cert.certificatePath()), c.http().tls().certPath());
    assertEquals(Path.of(cert.privateKeyPath()), c.http().tls().keyPath());
    assertEquals("https", c.http().scheme());
    assertEquals(c.http().tls(), c.withHttpPort(1234).http().tls());
  }

  @Test
  void aTlsMisconfigurationNamesTheSetting() throws Exception {
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    String missing = dir.resolve("missing.pem").toString();

    String onlyOne = rejected(Map.of("COURIER_HTTP_TLS_CERT_PATH", cert.certificatePath()));
    assertTrue(onlyOne.contains("http.tls.cert-path and http.tls.key-path must be given together"), onlyOne);

    String noCert = rejected(Map.of("COURIER_HTTP_TLS_CERT_PATH", missing,
        "COURIER_HTTP_TLS_KEY_PATH", cert.privateKeyPath()));
    assertTrue(noCert.startsWith("http.tls.cert-path: no such file: ") && noCert.contains("missing.pem"), noCert);

    String noKey = rejected(Map.of("COURIER_HTTP_TLS_CERT_PATH", cert.certificatePath(),
        "COURIER_HTTP_TLS_KEY_PATH", missing));
    assertTrue(noKey.startsWith("http.tls.key-path: no such file: "), noKey);

    // Swapped: the key where the certificate goes. Neither message quotes the key's content.
    String key = Files.readString(Path.of(cert.privateKeyPath()));
    String swapped = rejected(Map.of("COURIER_HTTP_TLS_CERT_PATH", cert.privateKeyPath(),
        "COURIER_HTTP_TLS_KEY_PATH", cert.certificatePath()));
    assertTrue(swapped.startsWith("http.tls.cert-path: ") && swapped.contains("is not a PEM certificate"), swapped);
    String body = key.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "").substring(0, 40);
    assertFalse(swapped.contains(body), swapped);

    String notAKey = rejected(Map.of("COURIER_HTTP_TLS_CERT_PATH", cert.certificatePath(),
        "COURIER_HTTP_TLS_KEY_PATH", cert.certificatePath()));
    assertTrue(notAKey.startsWith("http.tls.key-path: ") && notAKey.contains("is not a PEM private key"), notAKey);
  }
}
