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

    /**
     * {@code len} (at least 8) base62 chars that sort in the order they were made, to the millisecond: the time
     * (unix ms, 7 chars: 62^7 ms reach the year 2081, after which the order restarts but the ids stay valid), then random chars. Base62's alphabet is in ASCII order, so
     * the strings sort as the times do. A database index keyed by such ids grows at its end, as a time index does,
     * where random ids land anywhere and touch a new page each (the event log's message index: performance.md).
     */
    public static String timeOrdered(int len, long nowMs) {
        if (len < 8) {
            throw new IllegalArgumentException("at least 8 chars: " + len);
        }
        char[] out = new char[len];
        long t = nowMs;
        for (int i = 6; i >= 0; i--) {
            out[i] = BASE62[(int) (t % 62)];
            t /= 62;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 7; i < len; i++) {
            out[i] = BASE62[random.nextInt(BASE62.length)];
        }
        return new String(out);
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
