package dev.courier.eventlog;

import dev.courier.messages.MessageView;
import dev.courier.model.HeaderCodec;
import dev.courier.model.MessageCodec;
import dev.courier.model.Redaction;
import dev.courier.model.StoredMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns outbox entries (lua/includes/events.lua) into what the store writes: the CREATED event's stored message
 * becomes a {@link LoggedMessage}, redacted as the message asks (qstash-api.md §18), and every event a
 * {@link LoggedEvent} keyed by its shard, entry id and place in the entry, so a replayed entry gives the same keys.
 */
public final class OutboxDecoder {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxDecoder.class);

  private static final int HOST_PATH_CACHE = 1024;
  private static final Map<String, String[]> HOST_PATH = new ConcurrentHashMap<>();

  private OutboxDecoder() {}

  public static EventBatch decode(int shard, List<Outbox.Entry> entries, boolean replay) {
    List<LoggedMessage> messages = new ArrayList<>();
    List<LoggedEvent> events = new ArrayList<>();
    for (Outbox.Entry entry : entries) {
      decode(shard, entry, messages, events);
    }
    return new EventBatch(messages, events, replay);
  }

  private static void decode(int shard, Outbox.Entry entry, List<LoggedMessage> messages, List<LoggedEvent> events) {
    var f = entry.fields();
    long time = entry.idTime();
    int i = 0;
    if (f.size() >= 2 && f.get(0).toBuffer().length() == 1 && first(f.get(0)) == 't') {
      time = f.get(1).toLong();
      i = 2;
    }
    int ordinal = 0;
    while (i + 1 < f.size()) {
      String state = f.get(i).toBuffer().length() == 1 ? state(first(f.get(i))) : null;
      String id = f.get(i + 1).toString();
      i += 2;
      // its details: lower-case fields up to the next event
      Buffer message = null;
      Long next = null;
      Integer status = null;
      JsonObject headers = null;
      String body = null;
      String error = null;
      while (i + 1 < f.size() && isDetail(first(f.get(i)))) {
        String name = f.get(i).toString();
        var value = f.get(i + 1);
        switch (name) {
          case "m" -> message = value.toBuffer();
          case "n" -> next = value.toLong();
          case "rstatus" -> status = value.toInteger();
          case "rhdr" -> headers = HeaderCodec.toJson(value.toString());
          case "rbody" -> body = value.toBuffer().length() == 0 ? null
              : Base64.getEncoder().encodeToString(value.toBuffer().getBytes());
          case "error" -> error = value.toString();
          default -> { } // a detail a later version added: skipped, the rest still reads
        }
        i += 2;
      }
      if (state == null) {
        continue; // an event a later version added
      }
      if (message != null) {
        try {
          messages.add(logged(id, MessageCodec.decode(message)));
        } catch (RuntimeException e) {
          LOG.warn("event log: the stored form of message {} cannot be read ({}); its events are kept without it",
              id, e.getMessage());
        }
      }
      if ("ERROR".equals(state) && error == null && status != null) {
        error = "the destination answered " + status;
      }
      events.add(new LoggedEvent(shard + ":" + entry.id() + ":" + ordinal++, id, state, time, next, status, headers,
          body, error));
    }
  }

  /**
   * The first byte of a field's name, 0 for an empty one. Names are ASCII (events.lua): read without making a
   * String of each (a String per field was most of the decoder's time, performance.md session 15).
   */
  private static int first(Response name) {
    Buffer b = name.toBuffer();
    return b.length() == 0 ? 0 : b.getByte(0);
  }

  /** A detail's name starts lower case, an event's letter upper case (events.lua). */
  private static boolean isDetail(int firstByte) {
    return firstByte >= 'a' && firstByte <= 'z';
  }

  private static String state(int letter) {
    return switch (letter) {
      case 'C' -> "CREATED";
      case 'A' -> "ACTIVE";
      case 'D' -> "DELIVERED";
      case 'E' -> "ERROR";
      case 'R' -> "RETRY";
      case 'F' -> "FAILED";
      case 'Q' -> "CANCEL_REQUESTED";
      case 'X' -> "CANCELED";
      default -> null;
    };
  }

  /**
   * A URL's host and path ({@code "/"} when it has none), each null when the URL does not parse (it was checked at
   * publish; one that no longer parses is still logged, without them). Remembered per URL: most messages go to a
   * few URLs, and parsing each was 2 % of the node's CPU with the log on (performance.md, session 15). Bounded: a
   * full cache is emptied and fills again.
   */
  static String[] hostAndPath(String url) {
    if (url == null) {
      return new String[] {null, null};
    }
    String[] known = HOST_PATH.get(url);
    if (known != null) {
      return known;
    }
    String[] parsed = {null, null};
    try {
      URI uri = URI.create(url);
      parsed[0] = uri.getHost();
      parsed[1] = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    } catch (IllegalArgumentException e) {
      // left null
    }
    if (HOST_PATH.size() >= HOST_PATH_CACHE) {
      HOST_PATH.clear();
    }
    HOST_PATH.put(url, parsed);
    return parsed;
  }

  /** The message as the log shows it: what the API hides of it (redaction) hidden here too. */
  static LoggedMessage logged(String id, StoredMessage m) {
    String body = null;
    if (m.body().length() > 0) {
      body = m.redaction() != null && m.redaction().body() ? Redaction.redacted(m.body().getBytes())
          : Base64.getEncoder().encodeToString(m.body().getBytes());
    }
    String[] hostPath = hostAndPath(m.url());
    String host = hostPath[0];
    String path = hostPath[1];
    var cb = m.callbacks();
    return new LoggedMessage(id, m.createdAt(), m.url(), host, path, m.method(), MessageView.headers(m), body,
        m.topicName(), m.endpointName(), m.queueName(), m.scheduleId(), m.labels(), m.callerIp(),
        m.flowControl() == null ? null : m.flowControl().key(), m.timeoutMs(), m.maxRetries(),
        m.retryDelayExpression(), cb == null || cb.callback() == null ? null : cb.callback().url(),
        cb == null || cb.failureCallback() == null ? null : cb.failureCallback().url());
  }
}
