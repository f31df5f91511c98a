package dev.courier.retry;

/** Default QStash backoff (spec §9), used when neither an expression nor Retry-After applies. */
public final class Backoff {

    private static final double MAX_SECONDS = 86_400;

    private Backoff() {
    }

    /**
     * Delay before retry {@code retryNumber} (1 = first retry): min(86400, e^(2.5·n)) seconds, in ms,
     * truncated. Values below 1 are treated as 1 so a caller's off-by-one never yields a zero delay.
     */
    public static long defaultDelayMillis(int retryNumber) {
        int n = Math.max(1, retryNumber);
        // Clamp in seconds first: e^(2.5n) overflows to Infinity for large n, min() handles it.
        double seconds = Math.min(MAX_SECONDS, Math.exp(2.5 * n));
        return (long) (seconds * 1000.0);
    }
}
