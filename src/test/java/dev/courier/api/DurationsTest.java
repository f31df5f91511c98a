package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0         | 0",
        "90        | 90000",
        "'  90  '  | 90000",
        "90s       | 90000",
        "0s        | 0",
        "2m        | 120000",
        "1h        | 3600000",
        "10d       | 864000000",
        "1d10h30m  | 124200000",
        "1h30m15s  | 5415000",
        "1m30s     | 90000",
        "30m1h     | 5400000",
        "007s      | 7000",
        "'\t5m\n'  | 300000",
        "1.5s      | 1500",
        "1.5       | 1500",
        "0.25m     | 15000",
        ".5s       | 500",
        "1.5h      | 5400000",
        "1h0.5m    | 3630000",
        "0.0001s   | 0",
        "2.123456789123s | 2123",
    })
    void parses(String value, long expectedMs) {
        assertEquals(expectedMs, Durations.parseMillis(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "   ", "-1", "-5s", "+5s", "s", "5x", "5ms", "1h30", "1h 30m", "h1", "5S", "1H", ".s", ".", "1..5s",
        "abc", "1d-1h", "10 s", "1e3", "5s5", "0x10", "٣s",
    })
    void rejectsGarbage(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis(value));
        assertTrue(e.getMessage().contains("\"" + value + "\""), e.getMessage());
    }

    @Test
    void rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis(null));
    }

    @Test
    void rejectsOverflow() {
        assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis("99999999999999999999"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis("9223372036854775807"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis("999999999999999d"));
        assertThrows(IllegalArgumentException.class,
                () -> Durations.parseMillis("9223372036854775s9223372036854775s"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parseMillis("106751991167301d"));
        assertTrue(e.getMessage().contains("106751991167301d"), e.getMessage());
    }

    @Test
    void largestRepresentable() {
        assertEquals(9_223_372_036_854_775L * 1000, Durations.parseMillis("9223372036854775"));
    }
}
