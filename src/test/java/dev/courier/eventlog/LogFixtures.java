package dev.courier.eventlog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Messages and events as the outbox writer hands them to the store, and a way to wait for a future. */
final class LogFixtures {
  static final long T0 = 1_700_000_000_000L;
  /** A JSON order, base64; the benchmarks' {@code -Dbench.bodyBytes=N} makes it N zero bytes instead. */
  static final String BODY = Base64.getEncoder().encodeToString(Integer.getInteger("bench.bodyBytes") != null
      ? new byte[Integer.getInteger("bench.bodyBytes")]
      : ("{\"orderId\":12345,\"items\":[{\"sku\":\"A-1\",\"qty\":2},{\"sku\":\"B-7\",\"qty\":1}],"
          + "\"customer\":\"someone@example.com\",\"total\":\"42.50\"}").getBytes(StandardCharsets.UTF_8));

  private LogFixtures() {}

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e.getCause() != null ? e.getCause() : e);
    }
  }

  /** The failure of a future that must fail. */
  static Throwable failure(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    throw new AssertionError("expected a failure");
  }

  static JsonObject header() {
    return new JsonObject()
        .put("Content-Type", new JsonArray().add("application/json"))
        .put("X-Request-Id", new JsonArray().add("4f1c2a9e-8d7b-4f6a-9a1e-2b3c4d5e6f70"))
        .put("Authorization", new JsonArray().add("REDACTED:9f86d081884c7d659a2feaa0c55ad015"));
  }

  /** A message to https://api.example.com/hooks/orders with every optional part empty. */
  static LoggedMessage message(String id, long createdAt) {
    return message(id, createdAt, "api.example.com", "/hooks/orders", null, null, List.of(), "10.0.0.7", null);
  }

  static LoggedMessage message(String id, long createdAt, String host, String path, String topic, String queue,
      List<String> labels, String callerIp, String flowControlKey) {
    return new LoggedMessage(id, createdAt, "https://" + host + path, host, path, "POST", header(), BODY, topic,
        topic == null ? null : "e1", queue, null, labels, callerIp, flowControlKey, 30_000, 3, null, null, null);
  }

  static LoggedEvent event(String key, String messageId, String state, long time) {
    return new LoggedEvent(key, messageId, state, time, null, null, null, null, null);
  }

  /** The realistic batch of the benchmark: {@code messages} messages, each CREATED, ACTIVE and DELIVERED. */
  static EventBatch delivered(String prefix, int messages, long time) {
    List<LoggedMessage> ms = new ArrayList<>();
    List<LoggedEvent> es = new ArrayList<>();
    for (int i = 0; i < messages; i++) {
      String id = "msg_" + prefix + "_" + i;
      ms.add(message(id, time, "api.example.com", "/hooks/orders", null, i % 4 == 0 ? "orders" : null,
          List.of("orders", "eu"), "10.0.0.7", null));
      es.add(event(prefix + "-" + i + "-0", id, "CREATED", time));
      es.add(event(prefix + "-" + i + "-1", id, "ACTIVE", time + 1));
      es.add(event(prefix + "-" + i + "-2", id, "DELIVERED", time + 40));
    }
    return new EventBatch(ms, es, false);
  }
}
