package dev.courier.support;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A JDK stand-in for the official SDK's {@code Receiver} (qstash-api.md §8 "Verifiers"): HS256 with the
 * current key, then the whole check again with the next key; {@code iss}, {@code exp}/{@code nbf},
 * {@code sub} = url, and the body claim compared after stripping '=' padding. Python's required claims
 * ({@code iss, sub, exp, nbf}) are checked too. The conformance suite verifies with the real Receiver.
 */
public final class TestReceiver {
  public static final class SignatureError extends RuntimeException {
    public SignatureError(String message) {
      super(message);
    }
  }

  private final String currentKey;
  private final String nextKey;

  public TestReceiver(String currentKey, String nextKey) {
    this.currentKey = currentKey;
    this.nextKey = nextKey;
  }

  /** @param url null to skip the subject check; throws {@link SignatureError} on any mismatch */
  public JsonObject verify(String jwt, byte[] body, String url, long nowSeconds) {
    JsonObject claims;
    try {
      claims = verifyJwt(jwt, currentKey, nowSeconds);
    } catch (SignatureError first) {
      claims = verifyJwt(jwt, nextKey, nowSeconds);
    }
    if (url != null && !url.equals(claims.getString("sub"))) {
      throw new SignatureError("invalid subject");
    }
    String expected = stripPadding(Base64.getUrlEncoder().encodeToString(sha256(body)));
    if (!expected.equals(stripPadding(String.valueOf(claims.getValue("body"))))) {
      throw new SignatureError("body hash does not match");
    }
    return claims;
  }

  public JsonObject verify(String jwt, byte[] body, String url) {
    return verify(jwt, body, url, System.currentTimeMillis() / 1000);
  }

  private static JsonObject verifyJwt(String jwt, String key, long now) {
    String[] parts = jwt == null ? new String[0] : jwt.split("\\.", -1);
    if (parts.length != 3) {
      throw new SignatureError("malformed jwt");
    }
    JsonObject header = new JsonObject(decode(parts[0]));
    if (!"HS256".equals(header.getString("alg"))) {
      throw new SignatureError("unexpected alg");
    }
    byte[] expected = hmac(key, (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    if (!MessageDigest.isEqual(expected, Base64.getUrlDecoder().decode(parts[2]))) {
      throw new SignatureError("signature verification failed");
    }
    JsonObject claims = new JsonObject(decode(parts[1]));
    for (String required : new String[] {"iss", "sub", "exp", "nbf", "iat", "jti", "body"}) {
      if (!claims.containsKey(required)) {
        throw new SignatureError("missing claim " + required);
      }
    }
    if (!"Upstash".equals(claims.getString("iss"))) {
      throw new SignatureError("unexpected iss");
    }
    if (claims.getLong("exp") <= now) {
      throw new SignatureError("token expired");
    }
    if (claims.getLong("nbf") > now) {
      throw new SignatureError("token not yet valid");
    }
    return claims;
  }

  private static String decode(String segment) {
    return new String(Base64.getUrlDecoder().decode(segment), StandardCharsets.UTF_8);
  }

  private static String stripPadding(String s) {
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '=') {
      end--;
    }
    return s.substring(0, end);
  }

  private static byte[] hmac(String key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(data);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
