package dev.courier.dispatch;

import dev.courier.api.HeaderNames;
import dev.courier.model.CallbackSpec;
import dev.courier.model.Callbacks;
import dev.courier.model.HeaderCodec;
import dev.courier.messages.MessageView;
import dev.courier.model.MessageCodec;
import dev.courier.model.Redaction;
import dev.courier.model.StoredMessage;
import dev.courier.redis.Keys;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the callback messages an attempt fires (qstash-api.md §10): a new message to the callback URL, signed
 * like any (its {@code sub} is that URL), whose JSON body reports the attempt: its response (status, headers,
 * base64 body), retried and maxRetries, the source message's id, URL, method, headers and base64 body, and for
 * a failure callback the dead letter's id. The node builds them once; they travel in the outcome's script call,
 * which stores them with the outcome ({@code callbacks.lua}).
 */
final class CallbackMessages {
  private static final Map<String, List<String>> JSON = Map.of("Content-Type", List.of("application/json"));

  private CallbackMessages() {}

  /**
   * A callback message ready for an outcome script: id, stored form, due time (unix ms), and when the node
   * takes it at once, its lease deadline and token (0 and null: it goes on the wheel).
   */
  record Made(String id, StoredMessage message, Buffer stored, long due, long leaseDeadline, String token) {
    void addTo(List<Object> args) {
      args.add(id);
      args.add(stored);
      args.add(due);
      args.add(token == null ? "" : Long.toString(leaseDeadline));
      args.add(token == null ? "" : token);
    }

    /** The same, taken by this node at once under {@code token}. */
    Made leased(String token, long graceMs) {
      return new Made(id, message, stored, due, due + message.timeoutMs() + graceMs, token);
    }
  }

  /**
   * The callback messages of an attempt of {@code d} with result {@code r}: the callback's after every
   * attempt, and the failure callback's when {@code dlqId} is given (the final failure). None for a callback
   * message: a callback fires no callbacks.
   */
  static List<Made> of(Delivery d, AttemptResult r, String dlqId, long now) {
    Callbacks cb = d.message().callbacks();
    if (cb == null || cb.sourceMessageId() != null) {
      return List.of();
    }
    List<Made> out = new ArrayList<>(2);
    if (cb.callback() != null) {
      out.add(make(d, r, null, cb.callback(), Callbacks.CALLBACK, now));
    }
    if (dlqId != null && cb.failureCallback() != null) {
      out.add(make(d, r, dlqId, cb.failureCallback(), Callbacks.FAILURE_CALLBACK, now));
    }
    return out;
  }

  private static Made make(Delivery d, AttemptResult r, String dlqId, CallbackSpec spec, String kind, long now) {
    StoredMessage m = d.message();
    Map<String, List<String>> headers = new LinkedHashMap<>(JSON);
    headers.putAll(HeaderCodec.decode(spec.headers()));
    StoredMessage callback = new StoredMessage(spec.url(), spec.method(), HeaderCodec.encode(headers),
        spec.retries() != null ? spec.retries() : m.maxRetries(), spec.retryDelayExpression(),
        spec.timeoutMs() != null ? spec.timeoutMs() : m.timeoutMs(), now, now + spec.delayMs(), m.callerIp(),
        m.labels(), Buffer.buffer(body(d, r, dlqId).encode()), null, null, null, null, Callbacks.of(d.id(), kind));
    return new Made(Keys.messageId(d.shard()), callback, MessageCodec.encode(callback), now + spec.delayMs(), 0, null);
  }

  /** §10's body. A network failure has no status, headers or body: its reason is in {@code error}. */
  static JsonObject body(Delivery d, AttemptResult r, String dlqId) {
    StoredMessage m = d.message();
    Base64.Encoder b64 = Base64.getEncoder();
    JsonObject json = new JsonObject();
    if (r.hasResponse()) {
      Map<String, List<String>> response = new LinkedHashMap<>();
      r.headers().forEach(h -> response.computeIfAbsent(HeaderNames.canonical(h.getKey()), k -> new ArrayList<>())
          .add(h.getValue()));
      json.put("status", r.status()).put("header", new JsonObject(new LinkedHashMap<>(response)))
          .put("body", b64.encodeToString(r.body() == null ? new byte[0] : r.body().getBytes()));
    } else {
      json.put("error", r.error() == null ? "request failed" : r.error());
    }
    json.put("retried", d.retried()).put("maxRetries", m.maxRetries());
    if (dlqId != null) {
      json.put("dlqId", dlqId);
    }
    json.put("sourceMessageId", d.id());
    if (m.topicName() != null) {
      json.put("topicName", m.topicName());
    }
    if (m.endpointName() != null) {
      json.put("endpointName", m.endpointName());
    }
    // the source as a user may see it: redacted fields hidden, as QStash does (§18)
    boolean hideBody = m.redaction() != null && m.redaction().body();
    json.put("url", m.url()).put("method", m.method()).put("sourceHeader", MessageView.headers(m))
        .put("sourceBody", hideBody ? Redaction.redacted(m.body().getBytes()) : b64.encodeToString(m.body().getBytes()))
        .put("notBefore", m.notBefore()).put("createdAt", m.createdAt());
    if (m.callerIp() != null) {
      json.put("callerIP", m.callerIp());
    }
    return json;
  }
}
