package dev.courier.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTest {

    static final long NOW = 1_700_000_000_000L;

    private static OptionalLong delay(String... nameValues) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.put(nameValues[i], nameValues[i + 1]);
        }
        return RetryAfter.delayMillis(headers::get, NOW);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0          | 0",
        "1          | 1000",
        "120        | 120000",
        "1.5        | 1500",
        "1.1        | 1100",
        "0.0001     | 1",
        "' 30 '     | 30000",
        "86400      | 86400000",
        "6m5s       | 365000",
        "1.5h       | 5400000",
        "300ms      | 300",
        "2h45m      | 9900000",
        "1500us     | 2",
        "1500µs     | 2",
        "1500μs     | 2",
        "2000000ns  | 2",
        "1ns        | 1",
        ".5s        | 500",
        "+10s       | 10000",
        "1m0.5s     | 60500",
        "24h        | 86400000",
    })
    void relativeFormats(String value, long expectedMs) {
        assertEquals(OptionalLong.of(expectedMs), delay("Retry-After", value));
    }

    @Test
    void unixTimestampSeconds() {
        assertEquals(OptionalLong.of(30_000), delay("X-RateLimit-Reset", "1700000030"));
        assertEquals(OptionalLong.of(30_500), delay("X-RateLimit-Reset", "1700000030.5"));
        assertEquals(OptionalLong.of(0), delay("X-RateLimit-Reset", "1699999000"), "past timestamp = now");
        // The threshold itself is still relative seconds, and so more than a day: ignored.
        assertEquals(OptionalLong.empty(), delay("Retry-After", "1000000000"));
    }

    @Test
    void rfc1123Date() {
        String in90s = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT)
                .format(Instant.ofEpochMilli(NOW + 90_000).atOffset(ZoneOffset.UTC));
        assertEquals(OptionalLong.of(90_000), delay("Retry-After", in90s));
        assertEquals(OptionalLong.of(90_000), delay("Retry-After", "Tue, 14 Nov 2023 22:14:50 GMT"));
        assertEquals(OptionalLong.of(0), delay("Retry-After", "Tue, 14 Nov 2023 22:00:00 GMT"));
    }

    @Test
    void headerOrderFirstWins() {
        assertEquals(OptionalLong.of(5_000), delay(
                "Retry-After", "5", "X-RateLimit-Reset", "10",
                "X-RateLimit-Reset-Requests", "20", "X-RateLimit-Reset-Tokens", "30"));
        assertEquals(OptionalLong.of(10_000), delay(
                "X-RateLimit-Reset-Tokens", "30", "X-RateLimit-Reset", "10"));
        assertEquals(OptionalLong.of(20_000), delay(
                "x-ratelimit-reset-tokens", "30", "x-ratelimit-reset-requests", "20s"));
        assertEquals(OptionalLong.of(30_000), delay("X-RateLimit-Reset-Tokens", "30s"));
    }

    @Test
    void overOneDayIsIgnoredAndFallsThrough() {
        assertEquals(OptionalLong.of(7_000), delay("Retry-After", "86401", "X-RateLimit-Reset", "7"));
        assertEquals(OptionalLong.of(7_000), delay("Retry-After", "25h", "X-RateLimit-Reset-Requests", "7s"));
        assertEquals(OptionalLong.of(1_000), delay(
                "Retry-After", "Fri, 01 Jan 2100 00:00:00 GMT", "X-RateLimit-Reset-Tokens", "1"));
        assertEquals(OptionalLong.of(2_000), delay("X-RateLimit-Reset", "1800000000", "X-RateLimit-Reset-Tokens", "2"));
        assertEquals(OptionalLong.empty(), delay("Retry-After", "86400.001"));
        // A millisecond timestamp reads as a far-future seconds timestamp: ignored.
        assertEquals(OptionalLong.empty(), delay("X-RateLimit-Reset", "1700000030000"));
    }

    @Test
    void unparseableIsIgnoredAndFallsThrough() {
        assertEquals(OptionalLong.of(3_000), delay("Retry-After", "soon", "X-RateLimit-Reset", "3"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "  ", "-5", "-5s", "abc", "5x", "5 s", "1e3", "s", "1h-5m", "Tue, 99 Foo 2023", "1..5", ".", "+",
        "99999999999999999999999999999", "9999999999999999999h", "5S", "1d",
    })
    void invalidOrOutOfRangeValuesAreIgnored(String value) {
        assertEquals(OptionalLong.empty(), delay("Retry-After", value));
    }

    @Test
    void noHeaders() {
        assertEquals(OptionalLong.empty(), RetryAfter.delayMillis(name -> null, NOW));
    }

    @Test
    void looksUpExactlyTheFourNamesInOrder() {
        Map<String, String> seen = new HashMap<>();
        StringBuilder order = new StringBuilder();
        RetryAfter.delayMillis(name -> {
            order.append(name).append(',');
            return seen.get(name);
        }, NOW);
        assertEquals("Retry-After,X-RateLimit-Reset,X-RateLimit-Reset-Requests,X-RateLimit-Reset-Tokens,",
                order.toString());
    }
}
