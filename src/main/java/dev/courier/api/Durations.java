package dev.courier.api;

/**
 * QStash duration strings as used by Upstash-Delay, Upstash-Timeout and flow-control periods:
 * a bare number is seconds, otherwise {@code <number><unit>} groups with units s, m, h, d ("1d10h30m").
 * A number may have a decimal fraction ("1.5s", as Go's durations): the SDK sends a timeout of 1.5 as
 * "1.5s". Fractions below a millisecond are dropped.
 */
public final class Durations {

    private Durations() {
    }

    /** Parses {@code value} to milliseconds; throws IllegalArgumentException naming the value. */
    public static long parseMillis(String value) {
        if (value == null) {
            throw new IllegalArgumentException("invalid duration: null");
        }
        String v = value.trim();
        if (v.isEmpty()) {
            throw invalid(value);
        }
        try {
            long totalMs = 0;
            int i = 0;
            while (i < v.length()) {
                long number = 0;
                int start = i;
                while (i < v.length() && v.charAt(i) >= '0' && v.charAt(i) <= '9') {
                    number = Math.addExact(Math.multiplyExact(number, 10), v.charAt(i) - '0');
                    i++;
                }
                long fraction = 0;
                long scale = 1;
                if (i < v.length() && v.charAt(i) == '.') {
                    i++;
                    while (i < v.length() && v.charAt(i) >= '0' && v.charAt(i) <= '9') {
                        if (scale < 1_000_000_000L) { // digits past the ninth cannot reach a millisecond
                            fraction = fraction * 10 + (v.charAt(i) - '0');
                            scale *= 10;
                        }
                        i++;
                    }
                }
                if (i == start || (i == start + 1 && v.charAt(start) == '.')) {
                    throw invalid(value); // unit without a number, sign, or other garbage
                }
                long unitMs;
                if (i == v.length()) {
                    // A trailing unitless number is only meaningful as the whole value ("90" = 90 s).
                    if (start != 0) {
                        throw invalid(value);
                    }
                    unitMs = 1_000L;
                } else {
                    unitMs = unitMillis(v.charAt(i));
                    if (unitMs < 0) {
                        throw invalid(value);
                    }
                    i++;
                }
                totalMs = Math.addExact(totalMs, Math.multiplyExact(number, unitMs));
                totalMs = Math.addExact(totalMs, Math.multiplyExact(fraction, unitMs) / scale);
            }
            return totalMs;
        } catch (ArithmeticException overflow) {
            throw new IllegalArgumentException("duration out of range: \"" + value + "\"");
        }
    }

    private static long unitMillis(char unit) {
        switch (unit) {
            case 's': return 1_000L;
            case 'm': return 60_000L;
            case 'h': return 3_600_000L;
            case 'd': return 86_400_000L;
            default: return -1;
        }
    }

    private static IllegalArgumentException invalid(String value) {
        return new IllegalArgumentException(
                "invalid duration: \"" + value + "\" (expected seconds or e.g. 90s, 2m, 1h, 1d10h30m)");
    }
}
