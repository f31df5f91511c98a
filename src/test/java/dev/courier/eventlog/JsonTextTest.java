package dev.courier.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The writer's hand-written JSON ({@link JsonText}) is the text Vert.x's encoder (Jackson) writes for the same
 * values, character for character: rows stored before and after it read the same, and the query side parses both.
 */
class JsonTextTest {

  @Test
  void everyCharacterIsEscapedAsJacksonEscapesIt() {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x250; c++) {
      all.append(c);
    }
    all.append("\u2028\u2029\uD83D\uDE00 \uFFFF end");
    String s = all.toString();
    assertEquals(new JsonObject().put("v", s).put(s, "k").encode(),
        text(t -> t.put("v", s).put(s, "k")));
  }

  @Test
  void randomStringsAndNestedValuesMatchVertxEncoding() {
    Random random = new Random(7);
    for (int round = 0; round < 500; round++) {
      String a = randomString(random);
      String b = randomString(random);
      JsonObject header = new JsonObject().put(a, new JsonArray().add(b).add(a)).put("X-" + b, new JsonArray());
      List<String> labels = List.of(a, b);
      String expected = new JsonObject().put("n", (long) round).put("s", a).put("h", header)
          .put("l", new JsonArray(labels)).put("i", round % 7).encode();
      int n = round;
      String actual = text(t -> t.put("n", (long) n).put("s", a).putJson("h", header)
          .putJson("l", labels).put("i", (Number) (n % 7)));
      assertEquals(expected, actual, "round " + round);
    }
  }

  @Test
  void nullMembersAreLeftOutAndAnEmptyObjectIsBraces() {
    assertEquals("{}", text(t -> t.put("a", (String) null).put("b", (Number) null).putJson("c", null)));
    assertEquals("{\"a\":1}", text(t -> t.put("x", (String) null).put("a", 1L)));
  }

  /** The runs ChunkWriter stores: the events and the packed message as Vert.x encoded them before JsonText. */
  @Test
  void aRunHoldsTheSameTextAsVertxWrote() {
    LoggedMessage m = new LoggedMessage("msg_1_abc", LogFixtures.T0, "https://api.example.com/hooks/\"q\"",
        "api.example.com", "/hooks/\"q\"", "PUT", new JsonObject().put("X-A", new JsonArray().add("1\t2")), "aGVsbG8=",
        "topic", "endpoint", "orders", "scd_1", List.of("orders", "eu\n"), "10.0.0.7", "fc", 30_000, 3,
        "pow(2, retried) * 1000", "https://cb.example.com/ok", "https://cb.example.com/failed");
    LoggedEvent created = LogFixtures.event("1:1-0:0", "msg_1_abc", "CREATED", LogFixtures.T0);
    LoggedEvent error = new LoggedEvent("1:2-0:0", "msg_1_abc", "ERROR", LogFixtures.T0 + 5, null, 500,
        new JsonObject().put("Content-Type", new JsonArray().add("text/plain")), "aGk=", "the destination \"said\" no");
    LoggedEvent retry = new LoggedEvent("1:2-0:1", "msg_1_abc", "RETRY", LogFixtures.T0 + 5, LogFixtures.T0 + 900L,
        null, null, null, null);
    JsonObject run = new JsonObject(ChunkWriter.run("msg_1_abc", List.of(created, error, retry), m).text());

    JsonArray events = new JsonArray();
    for (LoggedEvent e : List.of(created, error, retry)) {
      JsonObject o = new JsonObject().put("k", e.key()).put("s", e.state()).put("t", e.time());
      putIf(o, "n", e.nextDeliveryTime());
      putIf(o, "c", e.responseStatus());
      putIf(o, "h", e.responseHeader());
      putIf(o, "b", e.responseBodyBase64());
      putIf(o, "e", e.error());
      events.add(o);
    }
    assertEquals(events, run.getJsonArray("e"));

    JsonObject packed = new JsonObject().put("createdAt", m.createdAt());
    putIf(packed, "method", m.method());
    putIf(packed, "header", m.header());
    putIf(packed, "body", m.bodyBase64());
    putIf(packed, "endpointName", m.endpointName());
    packed.put("labels", new JsonArray(m.labels()));
    packed.put("timeout", m.timeoutMs()).put("maxRetries", m.maxRetries());
    putIf(packed, "retryDelayExpression", m.retryDelayExpression());
    putIf(packed, "callback", m.callback());
    putIf(packed, "failureCallback", m.failureCallback());
    assertEquals(packed.encode(), run.getJsonObject("m").encode());
    assertEquals(new JsonObject().put("i", "msg_1_abc").put("e", events).put("m", packed).put("url", m.url())
        .put("host", m.host()).put("path", m.path()).put("topicName", "topic").put("queueName", "orders")
        .put("scheduleId", "scd_1").put("callerIp", "10.0.0.7").put("flowControlKey", "fc").encode(),
        ChunkWriter.run("msg_1_abc", List.of(created, error, retry), m).text());
  }

  private static void putIf(JsonObject o, String name, Object value) {
    if (value != null) {
      o.put(name, value);
    }
  }

  private static String randomString(Random random) {
    StringBuilder s = new StringBuilder();
    int n = random.nextInt(20);
    for (int i = 0; i < n; i++) {
      int kind = random.nextInt(4);
      s.append(kind == 0 ? (char) random.nextInt(0x20) : kind == 1 ? "\"\\/".charAt(random.nextInt(3))
          : kind == 2 ? (char) (0x80 + random.nextInt(0x3000)) : (char) (0x20 + random.nextInt(0x5f)));
    }
    return s.toString();
  }

  /** The object {@code members} writes, closed, as the writer writes one into its chunk's text. */
  private static String text(java.util.function.UnaryOperator<JsonText> members) {
    StringBuilder out = new StringBuilder();
    members.apply(JsonText.into(out)).end();
    return out.toString();
  }
}
