package dev.courier.eventlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** A URL's host and path as the log's host and path filters read them, parsed once per URL (OutboxDecoder). */
class HostAndPathTest {

  @Test
  void hostAndRawPathOrASlashWhenThereIsNone() {
    assertArrayEquals(new String[] {"api.example.com", "/hooks/a%20b"},
        OutboxDecoder.hostAndPath("https://api.example.com/hooks/a%20b?x=1"));
    assertArrayEquals(new String[] {"api.example.com", "/"}, OutboxDecoder.hostAndPath("https://api.example.com"));
    assertArrayEquals(new String[] {"10.0.0.7", "/p"}, OutboxDecoder.hostAndPath("http://10.0.0.7:8080/p"));
  }

  @Test
  void aUrlThatDoesNotParseOrNoneHasNeither() {
    assertArrayEquals(new String[] {null, null}, OutboxDecoder.hostAndPath("http://exa mple.com/x"));
    assertArrayEquals(new String[] {null, null}, OutboxDecoder.hostAndPath(null));
  }

  @Test
  void everyUrlIsStillRightPastTheCachesBound() {
    for (int i = 0; i < 3000; i++) {
      assertArrayEquals(new String[] {"h" + i + ".example", "/p" + i},
          OutboxDecoder.hostAndPath("https://h" + i + ".example/p" + i));
    }
    assertArrayEquals(new String[] {"h1.example", "/p1"}, OutboxDecoder.hostAndPath("https://h1.example/p1"));
  }
}
