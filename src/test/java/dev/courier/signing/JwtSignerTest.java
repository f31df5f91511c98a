package dev.courier.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
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
        Receiver r = new Receiver(EXAMPLE_KEY, NEXT_KEY);
        r.verify(EXAMPLE_JWT, EXAMPLE_BODY, EXAMPLE_URL, 1700000100L);
        r.verify(EXAMPLE_JWT, EXAMPLE_BODY, null, 1700000100L);
    }

    @Test
    void verifiesWithNextKeyAfterCurrentFails() {
        String jwt = JwtSigner.sign(NEXT_KEY, EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 0L, "jwt_x");
        new Receiver(EXAMPLE_KEY, NEXT_KEY).verify(jwt, EXAMPLE_BODY, EXAMPLE_URL, 1700000100L);
    }

    @Test
    void failsWithWrongKey() {
        String jwt = JwtSigner.sign("sig_someoneElse", EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 0L, "jwt_x");
        SignatureError e = assertThrows(SignatureError.class,
                () -> new Receiver(EXAMPLE_KEY, NEXT_KEY).verify(jwt, EXAMPLE_BODY, EXAMPLE_URL, 1700000100L));
        assertTrue(e.getMessage().contains("signature"), e.getMessage());
    }

    @Test
    void failsWithWrongBody() {
        byte[] other = "{\"hello\":\"World\"}".getBytes(StandardCharsets.UTF_8);
        SignatureError e = assertThrows(SignatureError.class,
                () -> new Receiver(EXAMPLE_KEY, NEXT_KEY).verify(EXAMPLE_JWT, other, EXAMPLE_URL, 1700000100L));
        assertEquals("body hash does not match", e.getMessage());
    }

    @Test
    void failsWithWrongSubject() {
        SignatureError e = assertThrows(SignatureError.class, () -> new Receiver(EXAMPLE_KEY, NEXT_KEY)
                .verify(EXAMPLE_JWT, EXAMPLE_BODY, "http://127.0.0.1:9000/other", 1700000100L));
        assertEquals("invalid subject", e.getMessage());
    }

    @Test
    void failsWhenExpiredOrNotYetValid() {
        Receiver r = new Receiver(EXAMPLE_KEY, NEXT_KEY);
        assertThrows(SignatureError.class, () -> r.verify(EXAMPLE_JWT, EXAMPLE_BODY, EXAMPLE_URL, 1700000300L));
        assertThrows(SignatureError.class, () -> r.verify(EXAMPLE_JWT, EXAMPLE_BODY, EXAMPLE_URL, 1699999999L));
    }

    @Test
    void convenienceSignUsesNowZeroNbfAndRandomJti() {
        long before = System.currentTimeMillis() / 1000;
        String jwt = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, EXAMPLE_BODY);
        long after = System.currentTimeMillis() / 1000;
        Map<String, Object> claims = MiniJson.parseObject(decodeSegment(jwt.split("\\.")[1]));
        assertEquals(List.of("iss", "sub", "exp", "nbf", "iat", "jti", "body"), new ArrayList<>(claims.keySet()));
        long iat = (Long) claims.get("iat");
        assertTrue(iat >= before && iat <= after);
        assertEquals(iat + 300, claims.get("exp"));
        assertEquals(0L, claims.get("nbf"));
        assertTrue(((String) claims.get("jti")).matches("jwt_[0-9A-Za-z]{27}"));
        new Receiver(EXAMPLE_KEY, NEXT_KEY).verify(jwt, EXAMPLE_BODY, EXAMPLE_URL, after);
        String second = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, EXAMPLE_BODY);
        assertTrue(!claims.get("jti").equals(MiniJson.parseObject(decodeSegment(second.split("\\.")[1])).get("jti")));
    }

    @Test
    void subjectWithSpecialCharactersRoundTripsAsValidJson() {
        String url = "https://example.com/a\"b\\c?q=\u0001\n\t\u001f&x=\u00e9\ud83d\ude00/\u007f";
        String jwt = JwtSigner.sign(EXAMPLE_KEY, url, EXAMPLE_BODY, 1700000000L, 0L, "jwt_\"quoted\\");
        Map<String, Object> claims = MiniJson.parseObject(decodeSegment(jwt.split("\\.")[1]));
        assertEquals(url, claims.get("sub"));
        assertEquals("jwt_\"quoted\\", claims.get("jti"));
        new Receiver(EXAMPLE_KEY, NEXT_KEY).verify(jwt, EXAMPLE_BODY, url, 1700000100L);
    }

    @Test
    void loneSurrogateIsEscapedNotReplaced() {
        StringBuilder sb = new StringBuilder();
        JwtSigner.appendJsonEscaped(sb, "a\ud800b\udc00");
        assertEquals("a\\ud800b\\udc00", sb.toString());
        assertEquals("a\ud800b\udc00", MiniJson.parseString("\"" + sb + "\""));
    }

    @Test
    void emptyAndNullBodyHashTheEmptyString() {
        String a = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, new byte[0], 1700000000L, 0L, "jwt_x");
        String b = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, null, 1700000000L, 0L, "jwt_x");
        assertEquals(a, b);
        assertEquals("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=",
                MiniJson.parseObject(decodeSegment(a.split("\\.")[1])).get("body"));
        new Receiver(EXAMPLE_KEY, NEXT_KEY).verify(a, new byte[0], EXAMPLE_URL, 1700000100L);
    }

    @Test
    void binaryBodyIsHashedAsRawBytes() {
        byte[] body = {(byte) 0xff, 0, (byte) 0xc3, 0x28};
        String jwt = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, body, 1700000000L, 0L, "jwt_x");
        new Receiver(EXAMPLE_KEY, NEXT_KEY).verify(jwt, body, EXAMPLE_URL, 1700000100L);
    }

    @Test
    void switchingKeysOnOneThreadReinitialisesTheMac() {
        String a1 = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 1700000000L, EXAMPLE_JTI);
        String b = JwtSigner.sign(NEXT_KEY, EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 1700000000L, EXAMPLE_JTI);
        String a2 = JwtSigner.sign(EXAMPLE_KEY, EXAMPLE_URL, EXAMPLE_BODY, 1700000000L, 1700000000L, EXAMPLE_JTI);
        assertEquals(EXAMPLE_JWT, a1);
        assertEquals(EXAMPLE_JWT, a2);
        assertTrue(!b.equals(a1));
        new Receiver(NEXT_KEY, EXAMPLE_KEY).verify(b, EXAMPLE_BODY, EXAMPLE_URL, 1700000100L);
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

    private static String decodeSegment(String seg) {
        return new String(Base64.getUrlDecoder().decode(seg), StandardCharsets.UTF_8);
    }

    // ---- a JDK-only stand-in for the official TS Receiver (§8 "Verifiers") -----------------------

    static final class SignatureError extends RuntimeException {
        SignatureError(String message) {
            super(message);
        }
    }

    static final class Receiver {
        private final String currentKey;
        private final String nextKey;

        Receiver(String currentKey, String nextKey) {
            this.currentKey = currentKey;
            this.nextKey = nextKey;
        }

        /** Throws SignatureError on failure, like Receiver.verify with clockTolerance 0. */
        void verify(String jwt, byte[] body, String url, long nowSeconds) {
            Map<String, Object> claims;
            try {
                claims = verifyJwt(jwt, currentKey, nowSeconds);
            } catch (SignatureError first) {
                // The official Receiver retries the whole check with the next key; its error wins.
                claims = verifyJwt(jwt, nextKey, nowSeconds);
            }
            if (url != null && !url.equals(claims.get("sub"))) {
                throw new SignatureError("invalid subject");
            }
            String expectedBody = stripPadding(Base64.getUrlEncoder().encodeToString(sha256(body)));
            if (!expectedBody.equals(stripPadding(String.valueOf(claims.get("body"))))) {
                throw new SignatureError("body hash does not match");
            }
        }

        private static Map<String, Object> verifyJwt(String jwt, String key, long now) {
            String[] parts = jwt.split("\\.", -1);
            if (parts.length != 3) {
                throw new SignatureError("malformed jwt");
            }
            Map<String, Object> header = MiniJson.parseObject(decodeSegment(parts[0]));
            if (!"HS256".equals(header.get("alg"))) {
                throw new SignatureError("unexpected alg");
            }
            byte[] expected = hmac(key, (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            byte[] actual = Base64.getUrlDecoder().decode(parts[2]);
            if (!MessageDigest.isEqual(expected, actual)) {
                throw new SignatureError("signature verification failed");
            }
            Map<String, Object> claims = MiniJson.parseObject(decodeSegment(parts[1]));
            if (!"Upstash".equals(claims.get("iss"))) {
                throw new SignatureError("unexpected iss");
            }
            for (String required : new String[] {"iss", "sub", "exp", "nbf"}) {
                if (!claims.containsKey(required)) {
                    throw new SignatureError("missing " + required); // PyJWT's requirement
                }
            }
            if ((Long) claims.get("exp") <= now) {
                throw new SignatureError("token expired");
            }
            if ((Long) claims.get("nbf") > now) {
                throw new SignatureError("token not yet valid");
            }
            return claims;
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

        private static byte[] sha256(byte[] data) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(data);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void receiverSanity() {
        // Guard against a verifier that accepts everything.
        assertArrayEquals(Receiver.sha256(new byte[0]), Receiver.sha256(new byte[0]));
        assertThrows(SignatureError.class, () -> new Receiver(EXAMPLE_KEY, NEXT_KEY)
                .verify(EXAMPLE_JWT.substring(0, EXAMPLE_JWT.length() - 2) + "AA", EXAMPLE_BODY, null, 1700000100L));
    }

    /** Strict minimal JSON reader for flat objects of strings and integers (what the payload holds). */
    static final class MiniJson {
        private final String s;
        private int i;

        private MiniJson(String s) {
            this.s = s;
        }

        static Map<String, Object> parseObject(String json) {
            MiniJson p = new MiniJson(json);
            Map<String, Object> m = p.object();
            if (p.i != json.length()) {
                throw new SignatureError("trailing data in json");
            }
            return m;
        }

        static String parseString(String json) {
            MiniJson p = new MiniJson(json);
            String v = p.string();
            if (p.i != json.length()) {
                throw new SignatureError("trailing data in json");
            }
            return v;
        }

        private Map<String, Object> object() {
            expect('{');
            Map<String, Object> m = new LinkedHashMap<>();
            if (peek() == '}') {
                i++;
                return m;
            }
            while (true) {
                String k = string();
                expect(':');
                Object v = peek() == '"' ? string() : integer();
                if (m.put(k, v) != null) {
                    throw new SignatureError("duplicate key " + k);
                }
                if (peek() == ',') {
                    i++;
                    continue;
                }
                expect('}');
                return m;
            }
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw new SignatureError("raw control char in json string");
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"': sb.append('"'); break;
                    case '\\': sb.append('\\'); break;
                    case '/': sb.append('/'); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'n': sb.append('\n'); break;
                    case 'r': sb.append('\r'); break;
                    case 't': sb.append('\t'); break;
                    case 'u':
                        sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                        break;
                    default: throw new SignatureError("bad escape \\" + e);
                }
            }
        }

        private Long integer() {
            int start = i;
            if (s.charAt(i) == '-') {
                i++;
            }
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            return Long.parseLong(s.substring(start, i));
        }

        private char peek() {
            return s.charAt(i);
        }

        private void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) {
                throw new SignatureError("expected '" + c + "' at " + i + " in " + s);
            }
            i++;
        }
    }
}
