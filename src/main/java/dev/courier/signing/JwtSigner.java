package dev.courier.signing;

import dev.courier.model.Ids;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds the {@code Upstash-Signature} JWT (spec §8): HS256 over the signing key's raw UTF-8 bytes,
 * claims iss/sub/exp/nbf/iat/jti/body in that order. JDK only, no JSON library.
 */
public final class JwtSigner {

    private static final String HEADER_JSON = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    private static final Base64.Encoder B64U = Base64.getUrlEncoder().withoutPadding();
    // The body claim keeps '=' padding, as real QStash does (Go base64.URLEncoding).
    private static final Base64.Encoder B64U_PADDED = Base64.getUrlEncoder();
    private static final String HEADER_B64 =
            B64U.encodeToString(HEADER_JSON.getBytes(StandardCharsets.UTF_8));
    private static final long LIFETIME_SECONDS = 300;
    private static final byte[] EMPTY = new byte[0];

    /** Per-thread crypto state: Mac/MessageDigest are not thread-safe and costly to look up. */
    private static final class State {
        final Mac mac;
        final MessageDigest sha256;
        // Mac.doFinal resets to the same key, so re-init only when the key changes (rotation).
        String macKey;

        State() {
            try {
                mac = Mac.getInstance("HmacSHA256");
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("JDK lacks HmacSHA256/SHA-256", e);
            }
        }

        Mac macFor(String key) {
            if (!key.equals(macKey)) {
                try {
                    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                } catch (InvalidKeyException e) {
                    throw new IllegalArgumentException("invalid signing key", e);
                }
                macKey = key;
            }
            return mac;
        }
    }

    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

    private JwtSigner() {
    }

    /**
     * Signs a delivery for right now. nbf is 0 because real QStash does that to avoid receivers
     * rejecting tokens over clock skew.
     */
    public static String sign(String signingKey, String subjectUrl, byte[] body) {
        long now = System.currentTimeMillis() / 1000;
        return sign(signingKey, subjectUrl, body, now, 0L, Ids.jwtId());
    }

    /** Fully deterministic variant (tests, worked example). A null body is signed as empty. */
    public static String sign(String signingKey, String subjectUrl, byte[] body,
                              long iatSeconds, long nbfSeconds, String jti) {
        Objects.requireNonNull(signingKey, "signingKey");
        Objects.requireNonNull(subjectUrl, "subjectUrl");
        Objects.requireNonNull(jti, "jti");
        if (signingKey.isEmpty()) {
            // SecretKeySpec rejects empty keys with an obscure message; fail clearly instead.
            throw new IllegalArgumentException("signing key must not be empty");
        }
        State st = STATE.get();
        String bodyClaim = B64U_PADDED.encodeToString(st.sha256.digest(body == null ? EMPTY : body));

        StringBuilder p = new StringBuilder(160 + subjectUrl.length());
        p.append("{\"iss\":\"Upstash\",\"sub\":\"");
        appendJsonEscaped(p, subjectUrl);
        p.append("\",\"exp\":").append(iatSeconds + LIFETIME_SECONDS)
         .append(",\"nbf\":").append(nbfSeconds)
         .append(",\"iat\":").append(iatSeconds)
         .append(",\"jti\":\"");
        appendJsonEscaped(p, jti);
        p.append("\",\"body\":\"").append(bodyClaim).append("\"}");

        String input = HEADER_B64 + '.'
                + B64U.encodeToString(p.toString().getBytes(StandardCharsets.UTF_8));
        byte[] sig = st.macFor(signingKey).doFinal(input.getBytes(StandardCharsets.US_ASCII));
        return input + '.' + B64U.encodeToString(sig);
    }

    /** Appends {@code s} as the inside of a JSON string literal. Package-private for tests. */
    static void appendJsonEscaped(StringBuilder out, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                default:
                    if (c < 0x20 || isLoneSurrogate(s, i)) {
                        // A lone surrogate would become '?' in UTF-8; \\u-escaping keeps the JSON faithful.
                        appendUnicodeEscape(out, c);
                    } else {
                        if (Character.isHighSurrogate(c)) {
                            out.append(c).append(s.charAt(++i)); // valid pair, copy both halves
                        } else {
                            out.append(c);
                        }
                    }
            }
        }
    }

    private static boolean isLoneSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            // Reached only when not consumed as the second half of a valid pair.
            return true;
        }
        return false;
    }

    private static void appendUnicodeEscape(StringBuilder out, char c) {
        String hex = Integer.toHexString(c);
        out.append("\\u");
        for (int k = hex.length(); k < 4; k++) {
            out.append('0');
        }
        out.append(hex);
    }
}
