package dev.courier.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API over HTTPS with a certificate made at test time: a client that trusts it publishes and the message
 * is delivered; a plain-HTTP request to the same port, or a client that does not trust the certificate, is not
 * served; a key that is not the certificate's stops the start naming the settings.
 */
class TlsTest {
  private static Vertx vertx;
  private static SelfSignedCertificate cert;

  @TempDir
  Path dir;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
    cert = SelfSignedCertificate.create("localhost");
  }

  @AfterAll
  static void close() {
    cert.delete();
    TestNode.get(vertx.close());
  }

  /** A client that trusts exactly the test's certificate (no hostname trickery: it is issued to localhost). */
  private static HttpClient trusting() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(Path.of(cert.certificatePath()))) {
      trust.setCertificateEntry("courier", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private static Map<String, String> tls(String certPath, String keyPath) {
    return Map.of("COURIER_HTTP_TLS_CERT_PATH", certPath, "COURIER_HTTP_TLS_KEY_PATH", keyPath);
  }

  @Test
  void publishesOverHttpsAndRefusesPlainHttp() throws Exception {
    try (Sink sink = Sink.start(vertx);
        TestNode node = TestNode.start(vertx, tls(cert.certificatePath(), cert.privateKeyPath()))) {
      int port = node.courier().port();
      HttpResponse<String> published = trusting().send(HttpRequest.newBuilder(
              URI.create("https://localhost:" + port + "/v2/publish/" + sink.url("/secure")))
          .header("Authorization", "Bearer " + TestNode.TOKEN).POST(HttpRequest.BodyPublishers.ofString("over tls"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, published.statusCode(), published.body());
      assertTrue(new JsonObject(published.body()).getString("messageId").startsWith("msg_"));
      assertEquals("over tls", new String(sink.await(1, 10_000).get(0).body()));

      // Plain HTTP to the TLS port: the handshake fails, nothing is answered in clear (and nothing published).
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      Exception refused = assertThrows(Exception.class, () -> plain.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/v2/publish/" + sink.url("/clear")))
          .header("Authorization", "Bearer " + TestNode.TOKEN).POST(HttpRequest.BodyPublishers.ofString("clear"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
      assertFalse(refused instanceof java.net.http.HttpTimeoutException, "closed at once, not left hanging: " + refused);
      // A client that does not trust the certificate does not get through either.
      assertThrows(javax.net.ssl.SSLException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("https://localhost:" + port + "/health")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()));
      Thread.sleep(300);
      assertEquals(1, sink.received().size());
    }
  }

  @Test
  void aKeyThatIsNotTheCertificatesStopsTheStartNamingTheSettings() throws Exception {
    SelfSignedCertificate other = SelfSignedCertificate.create("localhost");
    try {
      Exception failed = assertThrows(dev.courier.config.ConfigException.class,
          () -> TestNode.start(vertx, tls(cert.certificatePath(), other.privateKeyPath())).close());
      String message = String.valueOf(failed.getMessage());
      assertTrue(message.startsWith("http.tls.key-path: ") && message.contains("http.tls.cert-path"), message);
    } finally {
      other.delete();
    }
  }
}
