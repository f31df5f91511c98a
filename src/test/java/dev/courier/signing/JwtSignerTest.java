package dev.courier.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.TestReceiver;
import dev.courier.support.TestReceiver.SignatureError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class JwtSignerTest {

  // §8 worked example.
  static final String EXAMPLE_KEY = "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r";
  static final String EXAMPLE_URL = "http://127.0.0.1:9000/sink";
  static final byte[] EXAMPLE_BODY = "{\"hello\":\"world\"}".getBytes(StandardCharsets.UTF_8);
  static final String EXAMPLE_JTI = "jwt_4gNwKXhCJ1pPKB7ZKnfmVSRZ5Ju";
  static final String EXAMPLE_JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
      + ".eyJpc3MiOiJVcHN0YXNoIiwic3ViIjoiaHR0cDovLzEyNy4wLjAuMTo5MDAwL3NpbmsiLCJleHAiOjE3MDAwMDAzMDAsIm5iZiI6MTcwMDAwMDAwMCwiaWF0IjoxNzAwMDAwMDAwLCJqdGkiOiJqd3RfNGdOd0tYaENKMXBQS0I3WktuZm1WU1JaNUp1IiwiYm9keSI6Ims2STVjYWtVNWVyTDhLalNVVlROb3duRHdjY3Z1NWtVMUh4Zzg4dG9GWWc9In0"
      + ".zfRQ_fJuZrc9vapcrzWiXP6MY1FUyYK7jUEMNT-quF4";
  static final String NEXT_KEY = "sig_3mNpQ9rTvWxYz2aBcDeFgHiJkLmN";

  private static TestReceiver receiver() {
    return new TestReceiver(EXAMPLE_KEY, NEXT_KEY);
  }

  @Test
  void reproducesWorkedExampleByteForByte() {
    String jwt = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 1700000000L, EXAMPLE_JTI);
    assertEquals(EXAMPLE_JWT, jwt);
  }

  @Test
  void workedExamplePayloadAndBodyClaim() {
    String payload = decodeSegment(EXAMPLE_JWT.split("\\.")[1]);
    assertEquals("{\"iss\":\"Upstash\",\"sub\":\"http://127.0.0.1:9000/sink\",\"exp\":1700000300,"
        + "\"nbf\":1700000000,\"iat\":1700000000,\"jti\":\"jwt_4gNwKXhCJ1pPKB7ZKnfmVSRZ5Ju\","
        + "\"body\":\"k6I5cakU5erL8KjSUVTNownDwccvu5kU1Hxg88toFYg=\"}", payload);
    assertEquals("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", decodeSegment(EXAMPLE_JWT.split("\\.")[0]));
  }

  @Test
  void workedExampleVerifiesWithCurrentKey() {
    TestReceiver r = receiver();
    JsonObject claims = r.verify(EXAMPLE_JWT, EXAMPLE_BODY, EXAMPLE_URL, 1700000100L);
    assertEquals(EXAMPLE_URL, claims.getString("sub"));
    assertEquals(EXAMPLE_JTI, claims.getString("jti"));
    r.verify(EXAMPLE_JWT, EXAMPLE_BODY, null, 1700000100L);
    // Current key only: proves the current key (not the fallback) verified it.
    new TestReceiver(EXAMPLE_KEY, "sig_unrelated").verify(EXAMPLE_JWT, EXAMPLE_BODY, EXAMPLE_URL, 1700000100L);
  }

  @Test
  void verifiesWithNextKeyAfterCurrentFails() {
    String jwt = JwtSigner.sign(NEXT_KEY, EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 0L, "jwt_x");
    receiver().verify(jwt, EXAMPLE_BODY, EXAMPLE_URL, 1700000100L);
  }

  @Test
  void failsWithWrongKey() {
    String jwt = JwtSigner.sign("sig_someoneElse", EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 0L, "jwt_x");
    SignatureError e = assertThrows(SignatureError.class,
        () -> receiver().verify(jwt, EXAMPLE_BODY, EXAMPLE_URL, 1700000100L));
    assertTrue(e.getMessage().contains("signature"), e.getMessage());
  }

  @Test
  void failsWithWrongBody() {
    byte[] other = "{\"hello\":\"World\"}".getBytes(StandardCharsets.UTF_8);
    SignatureError e = assertThrows(SignatureError.class,
        () -> receiver().verify(EXAMPLE_JWT, other, EXAMPLE_URL, 1700000100L));
    assertEquals("body hash does not match", e.getMessage());
  }

  @Test
  void failsWithWrongSubject() {
    SignatureError e = assertThrows(SignatureError.class,
        () -> receiver().verify(EXAMPLE_JWT, EXAMPLE_BODY, "http://127.0.0.1:9000/other", 1700000100L));
    assertEquals("invalid subject", e.getMessage());
  }

  @Test
  void failsWhenExpiredOrNotYetValid() {
    TestReceiver r = receiver();
    assertThrows(SignatureError.class, () -> r.verify(EXAMPLE_JWT, EXAMPLE_BODY, EXAMPLE_URL, 1700000300L));
    assertThrows(SignatureError.class, () -> r.verify(EXAMPLE_JWT, EXAMPLE_BODY, EXAMPLE_URL, 1699999999L));
    // The fallback key's error wins in the Receiver, so name the cause with the same key twice.
    TestReceiver sameKey = new TestReceiver(EXAMPLE_KEY, EXAMPLE_KEY);
    SignatureError expired = assertThrows(SignatureError.class,
        () -> sameKey.verify(EXAMPLE_JWT, EXAMPLE_BODY, EXAMPLE_URL, 1700000300L));
    assertEquals("token expired", expired.getMessage());
    SignatureError early = assertThrows(SignatureError.class,
        () -> sameKey.verify(EXAMPLE_JWT, EXAMPLE_BODY, EXAMPLE_URL, 1699999999L));
    assertEquals("token not yet valid", early.getMessage());
    // Boundaries: valid from nbf inclusive, up to exp exclusive.
    r.verify(EXAMPLE_JWT, EXAMPLE_BODY, EXAMPLE_URL, 1700000000L);
    r.verify(EXAMPLE_JWT, EXAMPLE_BODY, EXAMPLE_URL, 1700000299L);
  }

  @Test
  void convenienceSignUsesNowZeroNbfAndRandomJti() {
    long before = System.currentTimeMillis() / 1000;
    String jwt = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, EXAMPLE_BODY);
    long after = System.currentTimeMillis() / 1000;
    JsonObject claims = claims(jwt);
    assertEquals(List.of("iss", "sub", "exp", "nbf", "iat", "jti", "body"), new ArrayList<>(claims.fieldNames()));
    long iat = claims.getLong("iat");
    assertTrue(iat >= before && iat <= after);
    assertEquals(iat + 300, claims.getLong("exp"));
    assertEquals(0L, claims.getLong("nbf"));
    assertTrue(claims.getString("jti").matches("jwt_[0-9A-Za-z]{27}"));
    receiver().verify(jwt, EXAMPLE_BODY, EXAMPLE_URL, after);
    String second = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, EXAMPLE_BODY);
    assertNotEquals(claims.getString("jti"), claims(second).getString("jti"));
  }

  @Test
  void subjectWithSpecialCharactersRoundTripsAsValidJson() {
    String url = "https://example.com/a\"b\\c?q=\u0001\n\t\u001f&x=\u00e9\ud83d\ude00/\u007f";
    String jwt = JwtSigner.sign(EXAMPLE_KEY, url, EXAMPLE_BODY, 1700000000L, 0L, "jwt_\"quoted\\");
    String payload = decodeSegment(jwt.split("\\.")[1]);
    for (char c : payload.toCharArray()) {
      assertTrue(c >= 0x20, "raw control character in payload: " + (int) c);
    }
    JsonObject claims = new JsonObject(payload);
    assertEquals(url, claims.getString("sub"));
    assertEquals("jwt_\"quoted\\", claims.getString("jti"));
    receiver().verify(jwt, EXAMPLE_BODY, url, 1700000100L);
  }

  @Test
  void loneSurrogateIsEscapedNotReplaced() {
    StringBuilder sb = new StringBuilder();
    JwtSigner.appendJsonEscaped(sb, "a\ud800b\udc00");
    assertEquals("a\\ud800b\\udc00", sb.toString());
    assertEquals("a\ud800b\udc00", new JsonArray("[\"" + sb + "\"]").getString(0));
  }

  @Test
  void emptyAndNullBodyHashTheEmptyString() {
    String a = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, new byte[0], 1700000000L, 0L, "jwt_x");
    String b = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, null, 1700000000L, 0L, "jwt_x");
    assertEquals(a, b);
    assertEquals("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=", claims(a).getString("body"));
    receiver().verify(a, new byte[0], EXAMPLE_URL, 1700000100L);
  }

  @Test
  void binaryBodyIsHashedAsRawBytes() {
    byte[] body = {(byte) 0xff, 0, (byte) 0xc3, 0x28};
    String jwt = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, body, 1700000000L, 0L, "jwt_x");
    receiver().verify(jwt, body, EXAMPLE_URL, 1700000100L);
    // Decoding the bytes as (lossy) UTF-8 first would give a different hash.
    byte[] lossy = new String(body, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
    assertThrows(SignatureError.class, () -> receiver().verify(jwt, lossy, EXAMPLE_URL, 1700000100L));
  }

  @Test
  void switchingKeysOnOneThreadReinitialisesTheMac() {
    String a1 = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 1700000000L, EXAMPLE_JTI);
    String b = JwtSigner.sign(NEXT_KEY, EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 1700000000L, EXAMPLE_JTI);
    String a2 = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 1700000000L, EXAMPLE_JTI);
    assertEquals(EXAMPLE_JWT, a1);
    assertEquals(EXAMPLE_JWT, a2);
    assertNotEquals(a1, b);
    new TestReceiver(NEXT_KEY, EXAMPLE_KEY).verify(b, EXAMPLE_BODY, EXAMPLE_URL, 1700000100L);
  }

  @Test
  void concurrentSigningIsDeterministic() throws Exception {
    String[] keys = {EXAMPLE_KEY, NEXT_KEY, "sig_third"};
    String[] expected = new String[keys.length];
    for (int k = 0; k < keys.length; k++) {
      expected[k] = JwtSigner.sign(keys[k], EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 0L, "jwt_c");
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        final int offset = t;
        results.add(pool.submit(() -> {
          for (int i = 0; i < 2000; i++) {
            int k = (i + offset) % keys.length;
            String jwt = JwtSigner.sign(keys[k], EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 0L, "jwt_c");
            if (!jwt.equals(expected[k])) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> f : results) {
        assertTrue(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void rejectsEmptyKey() {
    assertThrows(IllegalArgumentException.class,
        () -> JwtSigner.sign("", EXAMPLE_URL, EXAMPLE_BODY, 1L, 0L, "jwt_x"));
  }

  @Test
  void receiverSanity() {
    // Guard against a verifier that accepts everything.
    assertEquals("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=",
        Base64.getUrlEncoder().encodeToString(TestReceiver.sha256(new byte[0])));
    String tamperedSignature = EXAMPLE_JWT.substring(0, EXAMPLE_JWT.length() - 2) + "AA";
    SignatureError sig = assertThrows(SignatureError.class,
        () -> receiver().verify(tamperedSignature, EXAMPLE_BODY, null, 1700000100L));
    assertEquals("signature verification failed", sig.getMessage());
    // A payload re-encoded with another subject but the original signature must fail too.
    String[] parts = EXAMPLE_JWT.split("\\.");
    String forged = decodeSegment(parts[1]).replace("/sink", "/evil");
    String tamperedPayload = parts[0] + "."
        + Base64.getUrlEncoder().withoutPadding().encodeToString(forged.getBytes(StandardCharsets.UTF_8))
        + "." + parts[2];
    assertThrows(SignatureError.class,
        () -> receiver().verify(tamperedPayload, EXAMPLE_BODY, null, 1700000100L));
    assertThrows(SignatureError.class, () -> receiver().verify("not.a-jwt", EXAMPLE_BODY, null, 1700000100L));
  }

  private static JsonObject claims(String jwt) {
    return new JsonObject(decodeSegment(jwt.split("\\.")[1]));
  }

  private static String decodeSegment(String seg) {
    return new String(Base64.getUrlDecoder().decode(seg), StandardCharsets.UTF_8);
  }
}
