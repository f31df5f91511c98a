package dev.courier.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class IdsTest {

    private static void assertFormat(Supplier<String> gen, String regex, int length) {
        Pattern p = Pattern.compile(regex);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            String id = gen.get();
            assertEquals(length, id.length(), id);
            assertTrue(p.matcher(id).matches(), id);
            assertTrue(seen.add(id), "duplicate " + id);
        }
    }

    @Test
    void messageId() {
        assertFormat(Ids::messageId, "msg_[0-9A-Za-z]{27}", 31);
    }

    @Test
    void timeOrderedIdsSortAsTheirTimesAndDifferWithinAMillisecond() {
        assertFormat(() -> Ids.timeOrdered(24, 1_796_316_753_845L), "[0-9A-Za-z]{24}", 24);
        long[] times = {0L, 61L, 62L, 1_796_316_753_845L, 1_796_316_753_846L, 3_000_000_000_000L, 62L * 62 * 62 * 62 * 62 * 62 * 62 - 1};
        for (int i = 1; i < times.length; i++) {
            String earlier = Ids.timeOrdered(24, times[i - 1]);
            String later = Ids.timeOrdered(24, times[i]);
            assertTrue(earlier.compareTo(later) < 0, earlier + " then " + later);
        }
        assertEquals("0000000", Ids.timeOrdered(8, 0).substring(0, 7));
        assertEquals("000000Z", Ids.timeOrdered(8, 35).substring(0, 7), "35 is the 36th digit, Z");
        assertThrows(IllegalArgumentException.class, () -> Ids.timeOrdered(7, 0));
    }

    @Test
    void jwtId() {
        assertFormat(Ids::jwtId, "jwt_[0-9A-Za-z]{27}", 31);
    }

    @Test
    void scheduleId() {
        assertFormat(Ids::scheduleId, "scd_[0-9A-Za-z]{27}", 31);
    }

    @Test
    void signingKey() {
        assertFormat(Ids::signingKey, "sig_[0-9A-Za-z]{28}", 32);
    }

    @Test
    void token() {
        assertFormat(() -> Ids.token(40), "[0-9A-Za-z]{40}", 40);
        assertEquals("", Ids.token(0));
        assertEquals(1, Ids.token(1).length());
        assertThrows(IllegalArgumentException.class, () -> Ids.token(-1));
    }

    @Test
    void usesTheWholeAlphabet() {
        Set<Character> chars = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            for (char c : Ids.token(64).toCharArray()) {
                chars.add(c);
            }
            for (char c : Ids.messageId().substring(4).toCharArray()) {
                chars.add(c);
            }
        }
        assertEquals(62, chars.size());
    }
}
