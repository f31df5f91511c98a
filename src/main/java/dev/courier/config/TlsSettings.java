package dev.courier.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/**
 * Checks {@code http.tls.cert-path} and {@code http.tls.key-path} once at start-up, so that a missing,
 * unreadable or swapped file stops Courier with a message naming the setting, instead of a TLS error from
 * deep inside the HTTP server (or, worse, a node that starts and refuses every handshake). A key that does not
 * match its certificate is caught too when it is PKCS#8 ({@code BEGIN PRIVATE KEY}, what openssl 3 writes); an RSA
 * or EC key in its older form is left to the server, which refuses it when it listens (ApiVerticle names the
 * settings then) or at the first handshake.
 */
final class TlsSettings {
  private static final Pattern PKCS8 =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
  static final String CERT_KEY = "http.tls.cert-path";
  static final String KEY_KEY = "http.tls.key-path";

  private TlsSettings() {}

  /** Null when neither is set (plain HTTP); both must be set together. */
  static AppConfig.TlsConfig check(String certPath, String keyPath) {
    if (certPath == null && keyPath == null) {
      return null;
    }
    if (certPath == null || keyPath == null) {
      throw new ConfigException(CERT_KEY + " and " + KEY_KEY + " must be given together (PEM files)");
    }
    Path cert = readable(CERT_KEY, certPath);
    Path key = readable(KEY_KEY, keyPath);
    Certificate first;
    try (InputStream in = Files.newInputStream(cert)) {
      // Accepts PEM text; a chain is fine, its first certificate is the server's.
      var all = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (all.isEmpty()) {
        throw new CertificateException("no certificate in it");
      }
      first = all.iterator().next();
    } catch (IOException | CertificateException e) {
      throw new ConfigException(CERT_KEY + ": " + cert + " is not a PEM certificate (-----BEGIN CERTIFICATE-----): "
          + e.getMessage());
    }
    String pem;
    try {
      pem = Files.readString(key, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      pem = "";
    }
    // The key is not parsed here (PKCS#8, PKCS#1 RSA and SEC1 EC are all valid); its content is a secret, so the
    // message never quotes it.
    if (!pem.matches("(?s).*-----BEGIN (RSA |EC )?PRIVATE KEY-----.*")) {
      throw new ConfigException(KEY_KEY + ": " + key + " is not a PEM private key (-----BEGIN PRIVATE KEY-----,"
          + " -----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----; not encrypted)");
    }
    if (!belongsTo(first, pem)) {
      throw new ConfigException(KEY_KEY + ": the key in " + key + " is not the private key of the certificate in "
          + CERT_KEY + " (" + cert + ")");
    }
    return new AppConfig.TlsConfig(cert, key);
  }

  /** Signs a random challenge with the key and verifies it with the certificate's public key. */
  private static boolean belongsTo(Certificate cert, String pem) {
    Matcher m = PKCS8.matcher(pem);
    PublicKey pub = cert.getPublicKey();
    String algorithm = switch (pub.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "Ed448" -> pub.getAlgorithm();
      default -> null;
    };
    if (!m.find() || algorithm == null) {
      return true; // not a form checked here (see the class comment)
    }
    try {
      PrivateKey priv = KeyFactory.getInstance(pub.getAlgorithm())
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1))));
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(priv);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(pub);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false; // another algorithm's key, or not a key at all
    }
  }

  private static Path readable(String setting, String value) {
    Path p = Path.of(value);
    if (!Files.isRegularFile(p)) {
      throw new ConfigException(setting + ": no such file: " + p.toAbsolutePath());
    }
    if (!Files.isReadable(p)) {
      throw new ConfigException(setting + ": cannot read " + p.toAbsolutePath() + " (permissions)");
    }
    return p;
  }
}
