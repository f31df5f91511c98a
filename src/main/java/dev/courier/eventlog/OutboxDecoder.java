package dev.courier.eventlog;

import dev.courier.messages.MessageView;
import dev.courier.model.HeaderCodec;
import dev.courier.model.MessageCodec;
import dev.courier.model.Redaction;
import dev.courier.model.StoredMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns outbox entries (lua/includes/events.lua) into what the store writes: the CREATED event's stored message
 * becomes a {@link LoggedMessage}, redacted as the message asks (qstash-api.md §18), and every event a
 * {@link LoggedEvent} keyed by its shard, entry id and place in the entry, so a replayed entry gives the same keys.
 */
public final class OutboxDecoder {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxDecoder.class);

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
    if (f.size() >= 2 && f.get(0).toString().equals("t")) {
      time = f.get(1).toLong();
      i = 2;
    }
    int ordinal = 0;
    while (i + 1 < f.size()) {
      String state = state(f.get(i).toString());
      String id = f.get(i + 1).toString();
      i += 2;
      // its details: lower-case fields up to the next event
      Buffer message = null;
      Long next = null;
      Integer status = null;
      JsonObject headers = null;
      String body = null;
      String error = null;
      while (i + 1 < f.size() && Character.isLowerCase(f.get(i).toString().charAt(0))) {
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

  private static String state(String letter) {
    return switch (letter) {
      case "C" -> "CREATED";
      case "A" -> "ACTIVE";
      case "D" -> "DELIVERED";
      case "E" -> "ERROR";
      case "R" -> "RETRY";
      case "F" -> "FAILED";
      case "Q" -> "CANCEL_REQUESTED";
      case "X" -> "CANCELED";
      default -> null;
    };
  }

  /** The message as the log shows it: what the API hides of it (redaction) hidden here too. */
  static LoggedMessage logged(String id, StoredMessage m) {
    String body = null;
    if (m.body().length() > 0) {
      body = m.redaction() != null && m.redaction().body() ? Redaction.redacted(m.body().getBytes())
          : Base64.getEncoder().encodeToString(m.body().getBytes());
    }
    String host = null;
    String path = null;
    try {
      URI uri = URI.create(m.url());
      host = uri.getHost();
      path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    } catch (IllegalArgumentException e) {
      // checked at publish; a URL that no longer parses is still logged, without host and path
    }
    var cb = m.callbacks();
    return new LoggedMessage(id, m.createdAt(), m.url(), host, path, m.method(), MessageView.headers(m), body,
        m.topicName(), m.endpointName(), m.queueName(), m.scheduleId(), m.labels(), m.callerIp(),
        m.flowControl() == null ? null : m.flowControl().key(), m.timeoutMs(), m.maxRetries(),
        m.retryDelayExpression(), cb == null || cb.callback() == null ? null : cb.callback().url(),
        cb == null || cb.failureCallback() == null ? null : cb.failureCallback().url());
  }
}
