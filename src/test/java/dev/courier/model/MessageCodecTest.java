package dev.courier.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
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
  void roundTripsTheTaggedFieldsOfGroupsAndFlowControl() {
    StoredMessage m = new StoredMessage("https://a.example/hook", "POST", "", 3, null, 30_000, 1, 2, null, List.of(),
        Buffer.buffer("{}"), null, "orders", "billing", new FlowControl("tenant-7", 4, 10, 60_000));
    StoredMessage back = MessageCodec.decode(MessageCodec.encode(m));
    assertEquals("orders", back.topicName());
    assertEquals("billing", back.endpointName());
    assertEquals(new FlowControl("tenant-7", 4, 10, 60_000), back.flowControl());
    assertNull(back.queueName());
    assertEquals("{}", back.body().toString());
  }

  @Test
  void roundTripsTheScheduleId() {
    StoredMessage m = new StoredMessage("https://a.example/hook", "POST", "", 3, null, 30_000, 1, 2, null, List.of(),
        Buffer.buffer("x"), "q", null, null, null, null, null, "nightly-report");
    StoredMessage back = MessageCodec.decode(MessageCodec.encode(m));
    assertEquals("nightly-report", back.scheduleId());
    assertEquals("q", back.queueName());
    assertEquals("x", back.body().toString());
  }

  @Test
  void bytesWrittenBeforeTheScheduleTagStillDecode() {
    // Written by hand as a node before schedules wrote it (version 3, one tagged field, the queue), so that
    // the test does not depend on today's encoder.
    Buffer written = Buffer.buffer("5:").appendByte((byte) 3)
        .appendByte((byte) 8).appendString("http:/x").appendByte((byte) 5).appendString("POST")
        .appendByte((byte) 1) // headers: ""
        .appendByte((byte) 0).appendByte((byte) 0).appendByte((byte) 0) // expression, ip, labels: null
        .appendByte((byte) 3).appendByte((byte) 1).appendByte((byte) 2) // maxRetries, createdAt, notBefore
        .appendByte((byte) 1).appendByte((byte) 2).appendString("q") // tag 1, the queue
        .appendByte((byte) 0).appendString("x"); // end of tags, body
    StoredMessage back = MessageCodec.decode(written);
    assertNull(back.scheduleId());
    assertEquals("q", back.queueName());
    assertEquals("http:/x", back.url());
    assertEquals(5, back.timeoutMs());
    assertEquals("x", back.body().toString());
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
    assertNull(back.topicName());
    assertNull(back.endpointName());
    assertNull(back.flowControl());
  }

  @Test
  void theTimeoutLeadsInDecimalSoTheClaimScriptCanReadIt() {
    StoredMessage m = new StoredMessage("http://x", "POST", "", 0, null, 90_000, 0, 0, null, List.of(),
        Buffer.buffer("{}"));
    assertTrue(MessageCodec.encode(m).toString(StandardCharsets.ISO_8859_1).startsWith("90000:"));
  }

  @Test
  void rejectsForeignBytes() {
    assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(Buffer.buffer("hello")));
    assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(Buffer.buffer()));
    assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(Buffer.buffer("30000:")));
    // Layout 1 began with its version byte, 1, and kept the timeout in a field of its own.
    assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(Buffer.buffer(new byte[] {1, 9, 'h'})));
    assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(Buffer.buffer(new byte[] {'5', ':', 1, 9})));
  }
}
