package dev.courier.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageCodecTest {
  @Test
  void roundTripsEveryField() {
    byte[] body = {0, (byte) 0xff, 'a', (byte) 0xc3};
    StoredMessage m = new StoredMessage("https://example.com/ä?x=1", "PUT", "Content-Type:text/plain\nX-A:1, 2\n", 7,
        "pow(2, retried) * 1000", 90_000, 1_700_000_000_123L, 1_700_000_060_000L, "10.0.0.1", List.of("a", "b"),
        Buffer.buffer(body));
    StoredMessage back = MessageCodec.decode(MessageCodec.encode(m));
    assertEquals(m.url(), back.url());
    assertEquals(m.method(), back.method());
    assertEquals(m.headers(), back.headers());
    assertEquals(7, back.maxRetries());
    assertEquals(m.retryDelayExpression(), back.retryDelayExpression());
    assertEquals(90_000, back.timeoutMs());
    assertEquals(m.createdAt(), back.createdAt());
    assertEquals(m.notBefore(), back.notBefore());
    assertEquals("10.0.0.1", back.callerIp());
    assertEquals(List.of("a", "b"), back.labels());
    assertArrayEquals(body, back.body().getBytes());
  }

  @Test
  void absentOptionalsStayAbsent() {
    StoredMessage m = new StoredMessage("http://x", "POST", "", 0, null, 1, 0, 0, null, List.of(), Buffer.buffer());
    StoredMessage back = MessageCodec.decode(MessageCodec.encode(m));
    assertNull(back.retryDelayExpression());
    assertNull(back.callerIp());
    assertEquals(List.of(), back.labels());
    assertEquals("", back.headers());
    assertEquals(0, back.body().length());
  }

  @Test
  void rejectsForeignBytes() {
    assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(Buffer.buffer("hello")));
    assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(Buffer.buffer()));
  }
}
