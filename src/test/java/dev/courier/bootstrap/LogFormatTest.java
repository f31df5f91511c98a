package dev.courier.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import dev.courier.support.ChildNode;
import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code log.format: json}: every line the node prints is one JSON object, its lifecycle lines included. */
class LogFormatTest {
  @Test
  void aJsonLineEscapesWhatTheMessageHoldsAndCarriesTheException() {
    LoggerContext context = new LoggerContext();
    LoggingEvent event = new LoggingEvent("x", context.getLogger("dev.courier.Test"), Level.WARN,
        "quote \" newline \n tab \t {}", new IllegalStateException("boom"), new Object[] {"arg"});
    String line = new LogFormat.JsonLayout().doLayout(event);
    assertEquals(1, line.strip().lines().count(), "one line: " + line);
    JsonObject json = new JsonObject(line);
    assertEquals("WARN", json.getString("level"));
    assertEquals("dev.courier.Test", json.getString("logger"));
    assertEquals("quote \" newline \n tab \t arg", json.getString("message"));
    assertTrue(json.getString("exception").contains("IllegalStateException: boom"));
    assertTrue(json.getString("time").endsWith("Z"), json.getString("time"));
  }

  @Test
  void aNodeStartedWithJsonLogsPrintsNothingButJsonObjects() throws Exception {
    Map<String, String> env = new HashMap<>(TestNode.env(TestRedis.url(), "t" + UUID.randomUUID().toString()
        .substring(0, 8)));
    env.put("COURIER_LOG_FORMAT", "json");
    Process child = ChildNode.start(env);
    List<JsonObject> lines = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        JsonObject json;
        try {
          json = new JsonObject(line);
        } catch (DecodeException e) {
          throw new AssertionError("not a JSON line: " + line, e);
        }
        lines.add(json);
        if (json.getString("message").startsWith("listening on http://")) {
          child.toHandle().destroy(); // SIGTERM (Process.destroy would close our end of the output too)
        }
      }
    } finally {
      child.destroyForcibly();
    }
    assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    List<String> messages = lines.stream().map(j -> j.getString("message")).toList();
    assertTrue(messages.stream().anyMatch(m -> m.startsWith("version ")), "the config summary: " + messages);
    assertTrue(messages.stream().anyMatch(m -> m.startsWith("listening on http://")), messages.toString());
    assertTrue(messages.contains("stopped"), "the stop is logged: " + messages);
    assertTrue(lines.stream().allMatch(j -> j.containsKey("level") && j.containsKey("time")));
  }
}
