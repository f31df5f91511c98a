package dev.courier.messages;

import dev.courier.model.HeaderCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Renders a stored message hash in the API's JSON shape (qstash-api.md §5.3): absent optional fields
 * are omitted, never null; the body is {@code body} when it is valid UTF-8 and {@code bodyBase64}
 * otherwise; both spellings of the caller IP are sent.
 */
public final class MessageView {
  /** The hash fields read, in this order, by {@link #render}. */
  public static final List<String> FIELDS = List.of("url", "method", "hdr", "body", "retries", "retried", "expr",
      "timeout", "ip", "created", "due", "labels");

  private MessageView() {}

  /** @param f the HMGET reply for {@link #FIELDS}; null when the message does not exist */
  public static JsonObject render(String id, Response f) {
    if (f == null || f.size() < FIELDS.size() || f.get(0) == null) {
      return null;
    }
    JsonObject json = new JsonObject().put("messageId", id).put("url", f.get(0).toString())
        .put("method", f.get(1).toString())
        .put("header", HeaderCodec.toJson(f.get(2) == null ? null : f.get(2).toString()));
    putBody(json, "body", "bodyBase64", f.get(3) == null ? Buffer.buffer() : f.get(3).toBuffer());
    json.put("maxRetries", f.get(4).toInteger());
    if (f.get(6) != null) {
      json.put("retryDelayExpression", f.get(6).toString());
    }
    json.put("notBefore", f.get(10).toLong()).put("createdAt", f.get(9).toLong());
    if (f.get(8) != null) {
      json.put("callerIP", f.get(8).toString()).put("callerIp", f.get(8).toString());
    }
    putLabels(json, f.get(11) == null ? null : f.get(11).toString());
    return json;
  }

  static void putLabels(JsonObject json, String joined) {
    if (joined != null && !joined.isEmpty()) {
      JsonArray labels = new JsonArray(List.of((Object[]) joined.split(",")));
      json.put("label", labels.getString(0)).put("labels", labels);
    }
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
