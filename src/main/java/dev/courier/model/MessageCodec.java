package dev.courier.model;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Binary form of a {@link StoredMessage}: one Redis hash entry instead of a dozen fields. Fewer fields
 * mean fewer script arguments and hash operations per publish and claim, and less memory per pending
 * message (issue #4: ≤ 600 bytes + body).
 *
 * <p>Layout: the timeout in ASCII decimal digits and a {@code ':'}, which the claim script reads to set
 * the lease deadline without decoding the rest; then a version byte; then url, method, headers,
 * retry-delay expression, caller IP, labels (strings as varint length + UTF-8), maxRetries, createdAt,
 * notBefore (varints); from version 3 on, a section of tagged optional fields (a varint tag, then a
 * string; tag 0 ends the section); and the body bytes to the end.
 *
 * <p>The tagged section is what lets features add fields without a new layout: a field absent is not
 * written, a reader skips a tag it does not know (a newer node's field), and every version written so far
 * stays readable: version 2 (storage layout 2) has no section.
 */
public final class MessageCodec {
  /** 1 was the layout before the timeout moved to the front (a field of its own then); 2 had no tags. */
  private static final byte VERSION = 3;
  private static final byte VERSION_2 = 2;

  /** Tags of the optional fields. Never reuse a number: data written with it may still be stored. */
  private static final int END = 0;
  private static final int QUEUE_NAME = 1;
  private static final int TOPIC_NAME = 2;
  private static final int ENDPOINT_NAME = 3;
  private static final int FLOW_CONTROL_KEY = 4;
  /** {@link FlowControl#limits()}; written only with the key. */
  private static final int FLOW_CONTROL_LIMITS = 5;
  /** {@link CallbackSpec#encode()}. */
  private static final int CALLBACK = 6;
  private static final int FAILURE_CALLBACK = 7;
  /** A callback message's source: "<kind> <message id>". */
  private static final int CALLBACK_OF = 8;
  /** {@link Redaction#encode()}. */
  private static final int REDACTION = 9;
  /** The schedule whose fire created the message (issue #19). */
  private static final int SCHEDULE_ID = 10;

  private MessageCodec() {}

  public static Buffer encode(StoredMessage m) {
    Buffer b = Buffer.buffer(64 + m.url().length() + m.headers().length() + m.body().length());
    b.appendString(Long.toString(m.timeoutMs())).appendByte((byte) ':');
    b.appendByte(VERSION);
    string(b, m.url());
    string(b, m.method());
    string(b, m.headers());
    string(b, m.retryDelayExpression());
    string(b, m.callerIp());
    string(b, m.labels().isEmpty() ? null : String.join(",", m.labels()));
    varint(b, m.maxRetries());
    varint(b, m.createdAt());
    varint(b, m.notBefore());
    tagged(b, QUEUE_NAME, m.queueName());
    tagged(b, TOPIC_NAME, m.topicName());
    tagged(b, ENDPOINT_NAME, m.endpointName());
    if (m.flowControl() != null) {
      tagged(b, FLOW_CONTROL_KEY, m.flowControl().key());
      tagged(b, FLOW_CONTROL_LIMITS, m.flowControl().limits());
    }
    Callbacks cb = m.callbacks();
    if (cb != null) {
      tagged(b, CALLBACK, cb.callback() == null ? null : cb.callback().encode());
      tagged(b, FAILURE_CALLBACK, cb.failureCallback() == null ? null : cb.failureCallback().encode());
      tagged(b, CALLBACK_OF, cb.sourceMessageId() == null ? null : cb.kind() + " " + cb.sourceMessageId());
    }
    tagged(b, REDACTION, m.redaction() == null ? null : m.redaction().encode());
    tagged(b, SCHEDULE_ID, m.scheduleId());
    varint(b, END);
    b.appendBuffer(m.body());
    return b;
  }

  /** @throws IllegalArgumentException when the bytes are not a stored message of a known version */
  public static StoredMessage decode(Buffer b) {
    int n = b == null ? 0 : b.length();
    int colon = 0;
    long timeout = 0;
    while (colon < n && colon < 19 && b.getByte(colon) >= '0' && b.getByte(colon) <= '9') {
      timeout = timeout * 10 + (b.getByte(colon) - '0');
      colon++;
    }
    byte version = colon == 0 || colon + 1 >= n || b.getByte(colon) != ':' ? 0 : b.getByte(colon + 1);
    if (version != VERSION && version != VERSION_2) {
      throw new IllegalArgumentException("not a stored message (unknown version)");
    }
    int[] pos = {colon + 2};
    String url = string(b, pos);
    String method = string(b, pos);
    String headers = string(b, pos);
    String expr = string(b, pos);
    String ip = string(b, pos);
    String labels = string(b, pos);
    int maxRetries = (int) varint(b, pos);
    long created = varint(b, pos);
    long notBefore = varint(b, pos);
    String queueName = null;
    String topicName = null;
    String endpointName = null;
    String flowKey = null;
    String flowLimits = null;
    CallbackSpec callback = null;
    CallbackSpec failureCallback = null;
    String callbackOf = null;
    Redaction redaction = null;
    String scheduleId = null;
    if (version >= VERSION) {
      for (int tag = (int) varint(b, pos); tag != END; tag = (int) varint(b, pos)) {
        String value = string(b, pos);
        switch (tag) {
          case QUEUE_NAME -> queueName = value;
          case TOPIC_NAME -> topicName = value;
          case ENDPOINT_NAME -> endpointName = value;
          case FLOW_CONTROL_KEY -> flowKey = value;
          case FLOW_CONTROL_LIMITS -> flowLimits = value;
          case CALLBACK -> callback = CallbackSpec.decode(value);
          case FAILURE_CALLBACK -> failureCallback = CallbackSpec.decode(value);
          case CALLBACK_OF -> callbackOf = value;
          case REDACTION -> redaction = Redaction.parse(value);
          case SCHEDULE_ID -> scheduleId = value;
          default -> { } // a field of a newer version, skipped
        }
      }
    }
    FlowControl flowControl = flowKey == null ? null : FlowControl.of(flowKey, flowLimits == null ? "0,0,0" : flowLimits);
    Buffer body = b.slice(pos[0], b.length());
    return new StoredMessage(url, method, headers == null ? "" : headers, maxRetries, expr, timeout, created, notBefore,
        ip, labels == null ? List.of() : List.of(labels.split(",")), body, queueName, topicName, endpointName,
        flowControl, callbacks(callback, failureCallback, callbackOf), redaction, scheduleId);
  }

  private static Callbacks callbacks(CallbackSpec callback, CallbackSpec failureCallback, String callbackOf) {
    if (callback == null && failureCallback == null && callbackOf == null) {
      return null;
    }
    int space = callbackOf == null ? -1 : callbackOf.indexOf(' ');
    return new Callbacks(callback, failureCallback, space < 0 ? null : callbackOf.substring(space + 1),
        space < 0 ? null : callbackOf.substring(0, space));
  }

  /** An optional field: written only when present. */
  private static void tagged(Buffer b, int tag, String value) {
    if (value != null) {
      varint(b, tag);
      string(b, value);
    }
  }

  // A null string is length 0 with a marker: varint(0) means null, varint(n + 1) a string of n bytes.
  private static void string(Buffer b, String s) {
    if (s == null) {
      varint(b, 0);
      return;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    varint(b, bytes.length + 1L);
    b.appendBytes(bytes);
  }

  private static String string(Buffer b, int[] pos) {
    long n = varint(b, pos);
    if (n == 0) {
      return null;
    }
    int len = (int) (n - 1);
    String s = b.getString(pos[0], pos[0] + len, "UTF-8");
    pos[0] += len;
    return s;
  }

  private static void varint(Buffer b, long v) {
    while ((v & ~0x7FL) != 0) {
      b.appendByte((byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    b.appendByte((byte) v);
  }

  private static long varint(Buffer b, int[] pos) {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte x = b.getByte(pos[0]++);
      result |= (long) (x & 0x7F) << shift;
      if ((x & 0x80) == 0) {
        return result;
      }
    }
    throw new IllegalArgumentException("malformed varint");
  }
}
