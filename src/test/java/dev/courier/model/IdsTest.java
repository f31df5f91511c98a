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
