package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeaderNamesTest {

    @ParameterizedTest
    @CsvSource({
        "bypass-tunnel-reminder, Bypass-Tunnel-Reminder",
        "x-API-key, X-Api-Key",
        "content-type, Content-Type",
        "CONTENT-TYPE, Content-Type",
        "Content-Type, Content-Type",
        "upstash-forward-my-header, Upstash-Forward-My-Header",
        "etag, Etag",
        "www-authenticate, Www-Authenticate",
        "x-1a, X-1a",
        "x--y, X--Y",
        "-foo, -Foo",
        "foo-, Foo-",
        "a_b-c, A_b-C",
        "x.y-z, X.y-Z",
        "q, Q",
        "user!agent, User!agent",
        "'a#b$c%d&e''f*g+h.i^j_k`l|m~n', 'A#b$c%d&e''f*g+h.i^j_k`l|m~n'",
    })
    void canonicalises(String in, String expected) {
        assertEquals(expected, HeaderNames.canonical(in));
    }

    @ParameterizedTest
    @CsvSource({
        "'x api key'",
        "'content type'",
        "'x-foo:bar'",
        "'x-héllo'",
        "'x-(y)'",
        "'x-\"q\"'",
        "'x-a/b'",
        "'x-a@b'",
        "'x-a{b}'",
        "'x-a\tb'",
        "'lower-case '",
    })
    void invalidNamesAreReturnedUnchanged(String in) {
        assertSame(in, HeaderNames.canonical(in));
    }

    @Test
    void alreadyCanonicalIsReturnedAsIs() {
        String s = "Upstash-Message-Id";
        assertSame(s, HeaderNames.canonical(s));
    }

    @Test
    void emptyAndNull() {
        assertEquals("", HeaderNames.canonical(""));
        assertNull(HeaderNames.canonical(null));
    }
}
