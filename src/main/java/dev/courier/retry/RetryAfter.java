package dev.courier.retry;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Reads a server-requested retry delay from the Retry-After family of response headers (spec §9).
 * The first header that parses to a delay of at most one day wins; anything else is skipped.
 */
public final class RetryAfter {

    static final String[] HEADERS = {
        "Retry-After", "X-RateLimit-Reset", "X-RateLimit-Reset-Requests", "X-RateLimit-Reset-Tokens"
    };

    static final long MAX_DELAY_MILLIS = 86_400_000L;

    // Numbers above this are unix timestamps rather than relative seconds (2001-09-09 onwards).
    private static final BigDecimal TIMESTAMP_THRESHOLD = BigDecimal.valueOf(1_000_000_000L);
    private static final BigDecimal NANOS_PER_MILLI = BigDecimal.valueOf(1_000_000L);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private RetryAfter() {
    }

    /**
     * @param header    header lookup (case-insensitive on the caller's side), null when absent
     * @param nowMillis current wall-clock time, used for absolute dates/timestamps
     * @return the delay in ms, or empty when no header gives a usable value
     */
    public static OptionalLong delayMillis(Function<String, String> header, long nowMillis) {
        for (String name : HEADERS) {
            String value = header.apply(name);
            if (value == null) {
                continue;
            }
            long delay = parse(value.trim(), nowMillis);
            if (delay >= 0 && delay <= MAX_DELAY_MILLIS) {
                return OptionalLong.of(delay);
            }
        }
        return OptionalLong.empty();
    }

    /** Returns the delay in ms, or -1 when the value is not understood. Larger-than-a-day is left to the caller. */
    static long parse(String v, long nowMillis) {
        if (v.isEmpty()) {
            return -1;
        }
        if (isDecimal(v)) {
            BigDecimal n = new BigDecimal(v);
            BigDecimal ms = n.movePointRight(3);
            if (n.compareTo(TIMESTAMP_THRESHOLD) > 0) {
                return Math.max(0, toMillisCeil(ms.subtract(BigDecimal.valueOf(nowMillis))));
            }
            return toMillisCeil(ms);
        }
        if (Character.isLetter(v.charAt(0))) {
            return parseHttpDate(v, nowMillis);
        }
        return parseGoDuration(v);
    }

    private static boolean isDecimal(String v) {
        int i = 0;
        int digits = 0;
        while (i < v.length() && isDigit(v.charAt(i))) {
            i++;
            digits++;
        }
        if (i < v.length() && v.charAt(i) == '.') {
            i++;
            while (i < v.length() && isDigit(v.charAt(i))) {
                i++;
                digits++;
            }
        }
        return digits > 0 && i == v.length();
    }

    private static long parseHttpDate(String v, long nowMillis) {
        try {
            long at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            // A date in the past means "retry now".
            return Math.max(0, at - nowMillis);
        } catch (DateTimeParseException e) {
            return -1;
        }
    }

    /**
     * Go time.ParseDuration subset: one or more {@code <decimal><unit>} groups, optional leading '+'.
     * Negative durations are meaningless as a wait, so they are rejected rather than treated as 0.
     */
    static long parseGoDuration(String v) {
        int i = 0;
        if (v.charAt(0) == '+') {
            i++;
        }
        if (i >= v.length()) {
            return -1;
        }
        BigDecimal totalNanos = BigDecimal.ZERO;
        while (i < v.length()) {
            int start = i;
            boolean sawDigit = false;
            while (i < v.length() && isDigit(v.charAt(i))) {
                i++;
                sawDigit = true;
            }
            if (i < v.length() && v.charAt(i) == '.') {
                i++;
                while (i < v.length() && isDigit(v.charAt(i))) {
                    i++;
                    sawDigit = true;
                }
            }
            if (!sawDigit) {
                return -1;
            }
            BigDecimal number = new BigDecimal(v.substring(start, i));
            int unitStart = i;
            while (i < v.length() && !isDigit(v.charAt(i)) && v.charAt(i) != '.') {
                i++;
            }
            long unitNanos = unitNanos(v.substring(unitStart, i));
            if (unitNanos < 0) {
                return -1;
            }
            totalNanos = totalNanos.add(number.multiply(BigDecimal.valueOf(unitNanos)));
        }
        return toMillisCeil(totalNanos.divide(NANOS_PER_MILLI));
    }

    private static long unitNanos(String unit) {
        switch (unit) {
            case "ns": return 1;
            case "us":
            case "\u00b5s": // micro sign
            case "\u03bcs": // Greek small mu; Go accepts both
                return 1_000;
            case "ms": return 1_000_000;
            case "s": return 1_000_000_000L;
            case "m": return 60 * 1_000_000_000L;
            case "h": return 3_600 * 1_000_000_000L;
            default: return -1; // includes "" (a unitless number inside a compound value)
        }
    }

    /**
     * Rounds up so a retry never happens earlier than the server asked; saturates on huge values.
     * BigDecimal keeps "1.1" at exactly 1100 ms where double arithmetic would give 1101 after ceil.
     */
    private static long toMillisCeil(BigDecimal ms) {
        BigDecimal c = ms.setScale(0, RoundingMode.CEILING);
        return c.compareTo(LONG_MAX) >= 0 ? Long.MAX_VALUE : c.longValueExact();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
