package dev.courier.messages;

import dev.courier.model.HeaderCodec;
import dev.courier.model.MessageCodec;
import dev.courier.model.Redaction;
import dev.courier.model.StoredMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Renders a stored message hash in the API's JSON shape (qstash-api.md §5.3): absent optional fields
 * are omitted, never null; the body is {@code body} when it is valid UTF-8 and {@code bodyBase64}
 * otherwise; both spellings of the caller IP are sent.
 */
public final class MessageView {
  private MessageView() {}

  /** @param stored the message's {@code m} field; null when the message does not exist */
  public static JsonObject render(String id, Response stored) {
    if (stored == null) {
      return null;
    }
    StoredMessage m = MessageCodec.decode(stored.toBuffer());
    JsonObject json = new JsonObject().put("messageId", id).put("url", m.url()).put("method", m.method())
        .put("header", headers(m));
    if (m.redaction() != null && m.redaction().body() && m.body().length() > 0) {
      json.put("body", Redaction.redacted(m.body().getBytes()));
    } else {
      putBody(json, "body", "bodyBase64", m.body());
    }
    json.put("maxRetries", m.maxRetries());
    if (m.retryDelayExpression() != null) {
      json.put("retryDelayExpression", m.retryDelayExpression());
    }
    json.put("notBefore", m.notBefore()).put("createdAt", m.createdAt());
    if (m.callerIp() != null) {
      json.put("callerIP", m.callerIp()).put("callerIp", m.callerIp());
    }
    if (m.queueName() != null) {
      json.put("queueName", m.queueName());
    }
    if (m.topicName() != null) {
      json.put("topicName", m.topicName());
    }
    if (m.endpointName() != null) {
      json.put("endpointName", m.endpointName());
    }
    if (m.flowControl() != null) {
      // limits not given are omitted; the period is in seconds (qstash-api.md §5.3)
      var fc = m.flowControl();
      json.put("flowControlKey", fc.key());
      if (fc.parallelism() > 0) {
        json.put("parallelism", fc.parallelism());
      }
      if (fc.rate() > 0) {
        json.put("rate", fc.rate()).put("period", fc.periodMs() / 1000);
      }
    }
    if (m.callbacks() != null) {
      var cb = m.callbacks();
      if (cb.callback() != null) {
        json.put("callback", cb.callback().url());
      }
      if (cb.failureCallback() != null) {
        json.put("failureCallback", cb.failureCallback().url());
      }
      if (cb.sourceMessageId() != null) {
        // a callback message: which message's, and which of its callbacks (Courier's own fields)
        json.put("callbackType", cb.kind()).put("sourceMessageId", cb.sourceMessageId());
      }
    }
    if (m.scheduleId() != null) {
      json.put("scheduleId", m.scheduleId());
    }
    if (!m.labels().isEmpty()) {
      json.put("label", m.labels().get(0)).put("labels", new JsonArray(m.labels()));
    }
    return json;
  }

  /** The message's headers as a user may see them: with its redacted values hidden (qstash-api.md §18). */
  public static JsonObject headers(StoredMessage m) {
    if (m.redaction() == null) {
      return HeaderCodec.toJson(m.headers());
    }
    JsonObject out = new JsonObject();
    m.redaction().apply(HeaderCodec.decode(m.headers())).forEach((name, values) -> out.put(name, new JsonArray(values)));
    return out;
  }

  /** Puts {@code text} when the bytes are valid UTF-8, else {@code base64Field}; omits an empty body. */
  public static void putBody(JsonObject json, String text, String base64Field, Buffer body) {
    if (body.length() == 0) {
      return;
    }
    byte[] bytes = body.getBytes();
    try {
      String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
      json.put(text, s);
    } catch (CharacterCodingException e) {
      json.put(base64Field, Base64.getEncoder().encodeToString(bytes));
    }
  }
}
