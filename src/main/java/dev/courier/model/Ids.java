package dev.courier.model;

import java.security.SecureRandom;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/** Random identifiers and secrets, all drawn from the base62 alphabet [0-9A-Za-z]. */
public final class Ids {

    private static final char[] BASE62 =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    // SecureRandom is thread-safe; one shared instance avoids re-seeding cost per call.
    private static final SecureRandom SECURE = new SecureRandom();

    private Ids() {
    }

    /**
     * Storage layout 2's message id: "msg_" + 27 base62 chars (~160 bits). Layout 3 writes the shard into
     * the id ({@code redis.Keys.messageId}); ids of this form still resolve.
     */
    public static String messageId() {
        return prefixed("msg_", 27, ThreadLocalRandom.current());
    }

    /** {@code len} base62 chars, not secret (ids): ThreadLocalRandom. */
    public static String random(int len) {
        return prefixed("", len, ThreadLocalRandom.current());
    }

    /** JWT "jti" claim: "jwt_" + 27 base62 chars. */
    public static String jwtId() {
        return prefixed("jwt_", 27, ThreadLocalRandom.current());
    }

    /** Schedule id: "scd_" + 27 base62 chars. */
    public static String scheduleId() {
        return prefixed("scd_", 27, ThreadLocalRandom.current());
    }

    /** A secret of {@code len} base62 chars (API tokens): must be unguessable, hence SecureRandom. */
    public static String token(int len) {
        if (len < 0) {
            throw new IllegalArgumentException("token length must be >= 0: " + len);
        }
        return prefixed("", len, SECURE);
    }

    /** A signing key: "sig_" + 28 base62 chars from SecureRandom (used as HMAC key bytes as-is). */
    public static String signingKey() {
        return prefixed("sig_", 28, SECURE);
    }

    private static String prefixed(String prefix, int len, Random random) {
        char[] out = new char[prefix.length() + len];
        prefix.getChars(0, prefix.length(), out, 0);
        for (int i = prefix.length(); i < out.length; i++) {
            // 62 is not a power of two; nextInt(bound) rejects out-of-range draws, so no modulo bias.
            out[i] = BASE62[random.nextInt(BASE62.length)];
        }
        return new String(out);
    }
}
