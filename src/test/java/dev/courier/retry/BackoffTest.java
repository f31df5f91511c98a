package dev.courier.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void matchesSpecTable() {
        assertEquals(12_182, Backoff.defaultDelayMillis(1));            // ~12 s
        assertEquals(148_413, Backoff.defaultDelayMillis(2));           // 2 m 28 s
        assertEquals(1_808_042, Backoff.defaultDelayMillis(3));         // 30 m 8 s
        assertEquals(22_026_465, Backoff.defaultDelayMillis(4));        // 6 h 7 m 6 s
        assertEquals(86_400_000, Backoff.defaultDelayMillis(5));        // capped at 24 h
    }

    @Test
    void capsAtOneDayForever() {
        for (int n : new int[] {5, 6, 20, 100, 1000, Integer.MAX_VALUE}) {
            assertEquals(86_400_000L, Backoff.defaultDelayMillis(n));
        }
    }

    @Test
    void monotonic() {
        long prev = 0;
        for (int n = 1; n < 10; n++) {
            long d = Backoff.defaultDelayMillis(n);
            assertTrue(d >= prev);
            prev = d;
        }
    }

    @Test
    void nonPositiveTreatedAsFirstRetry() {
        assertEquals(12_182, Backoff.defaultDelayMillis(0));
        assertEquals(12_182, Backoff.defaultDelayMillis(-3));
    }
}
