package dev.courier.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.ChildNode;
import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.bootstrap.EmbeddedRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: no token, signing key, forwarded secret, basic-auth password or redacted value ever shows in a log
 * line, an error or a metric. A node in a JVM of its own (all of its output captured, start to stop) gets a full
 * set of traffic: publishes with secrets in forwarded headers and in the destination's user info, redacted fields,
 * wrong tokens, failing and unreachable destinations, dead letters and their retry, invalid input of every kind;
 * then its output, its {@code /metrics} and every error body it answered are searched for each secret (as sent,
 * and base64-encoded, as bodies are in the event log). Redacted values must not show in the API's answers either.
 */
class SecretLeakTest {
  private static final String SUFFIX = UUID.randomUUID().toString().replace("-", "");
  private static final String TOKEN = "primaryTokenSecret" + SUFFIX;
  private static final String SECOND_TOKEN = "secondTokenSecret" + SUFFIX;
  private static final String WRONG_TOKEN = "wrongTokenSecret" + SUFFIX;
  private static final String CURRENT_KEY = "sig_currentKeySecret" + SUFFIX;
  private static final String NEXT_KEY = "sig_nextKeySecret" + SUFFIX;
  private static final String FORWARDED_AUTH = "forwardedAuthSecret" + SUFFIX;
  private static final String FORWARDED_KEY = "forwardedApiKeySecret" + SUFFIX;
  private static final String BASIC_PASSWORD = "basicPasswordSecret" + SUFFIX;
  private static final String REDACTED_BODY = "redactedBodySecret" + SUFFIX;
  private static final String REDACTED_HEADER = "redactedHeaderSecret" + SUFFIX;
  private static final String REDIS_PASSWORD = "redisPasswordSecret" + SUFFIX;
  private static final List<String> SECRETS = List.of(TOKEN, SECOND_TOKEN, WRONG_TOKEN, CURRENT_KEY, NEXT_KEY,
      FORWARDED_AUTH, FORWARDED_KEY, BASIC_PASSWORD, REDACTED_BODY, REDACTED_HEADER, REDIS_PASSWORD);
  private static final List<String> REDACTED = List.of(REDACTED_BODY, REDACTED_HEADER);

  private static Vertx vertx;

  @TempDir
  Path data;
  @TempDir
  Path redisDir;

  private String base;
  private final List<String> errorBodies = new ArrayList<>();

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    TestNode.get(vertx.close());
  }

  @Test
  void noSecretInTheLogsTheMetricsOrTheErrors() throws Exception {
    Sink sink = Sink.start(vertx);
    sink.respond(r -> r.uri().startsWith("/fail") ? Sink.Reply.status(500) : Sink.Reply.ok());
    // A Redis of the test's own, with a password, which the test stops and starts again mid-run.
    int redisPort = EmbeddedRedis.freePort();
    EmbeddedRedis[] redis = {withPassword(redisPort)};
    Map<String, String> env = new HashMap<>(TestNode.env("redis://:" + REDIS_PASSWORD + "@127.0.0.1:" + redisPort,
        "leak"));
    env.putAll(Map.of("COURIER_AUTH_TOKEN", TOKEN, "COURIER_AUTH_TOKENS", SECOND_TOKEN,
        "COURIER_SIGNING_CURRENT_KEY", CURRENT_KEY, "COURIER_SIGNING_NEXT_KEY", NEXT_KEY,
        "COURIER_EVENT_LOG_ENABLED", "true", "COURIER_DATA_DIR", data.toString(),
        "COURIER_LIMITS_DEFAULT_RETRIES", "0", "COURIER_METRICS_SAMPLE_INTERVAL", "1s"));
    StringBuffer log = new StringBuffer();
    Process child = ChildNode.start(env);
    try {
      base = ChildNode.awaitListening(child, line -> log.append(line).append('\n'));
      traffic(sink);

      // Redis goes away: failing publishes, "redis lost", the reconnects; then it is back.
      redis[0].close();
      for (int i = 0; i < 3; i++) {
        error(send("POST", "/v2/publish/" + sink.url("/ok"), auth(TOKEN), "x"), 503);
      }
      Sink.waitFor(() -> log.toString().contains("redis lost"), 10_000, "the node notices:\n" + log);
      redis[0] = withPassword(redisPort);
      Sink.waitFor(() -> log.toString().contains("redis back"), 20_000, "the node reconnects:\n" + log);
      Sink.waitFor(() -> send("POST", "/v2/publish/" + sink.url("/ok"), auth(TOKEN), "x").statusCode() == 200,
          20_000, "publishes work again");
      String metrics = send("GET", "/metrics", auth(SECOND_TOKEN), null).body();
      assertTrue(metrics.contains("courier_delivery_attempts_total"), "a real scrape");
      assertNone(metrics, "/metrics");
    } finally {
      // SIGTERM through the handle: Process.destroy() would also close the pipe, losing the stop's lines.
      child.toHandle().destroy();
      child.waitFor(30, TimeUnit.SECONDS);
      child.destroyForcibly();
      sink.close();
      redis[0].close();
    }
    // The reader drains the last lines after the process ended.
    Sink.waitFor(() -> log.toString().contains("courier: stopped"), 5_000, "exit " + child.exitValue()
        + "; the whole run is captured:\n" + log);
    assertNone(log.toString(), "the node's output");
    assertTrue(errorBodies.size() >= 10, "errors were answered: " + errorBodies);
    for (String body : errorBodies) {
      assertNone(body, "an error body");
    }
  }

  private void traffic(Sink sink) throws Exception {
    String ok = sink.url("/ok");
    String fail = sink.url("/fail");
    int sinkPort = URI.create(ok).getPort();
    Map<String, String> secrets = new LinkedHashMap<>(auth(TOKEN));
    secrets.putAll(Map.of("Upstash-Forward-Authorization", "Bearer " + FORWARDED_AUTH,
        "Upstash-Forward-X-Api-Key", FORWARDED_KEY, "Upstash-Forward-X-Redacted", REDACTED_HEADER,
        "Upstash-Redact-Fields", "body, header[X-Redacted]"));

    String delivered = published(send("POST", "/v2/publish/" + ok, secrets, REDACTED_BODY));
    String failed = published(send("POST", "/v2/publish/" + fail, secrets, REDACTED_BODY));
    String basic = "http://user:" + BASIC_PASSWORD + "@127.0.0.1:" + sinkPort + "/fail-basic";
    published(send("POST", "/v2/publish/" + basic, auth(SECOND_TOKEN), "basic"));
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    published(send("POST", "/v2/publish/http://user:" + BASIC_PASSWORD + "@127.0.0.1:" + closed + "/x?qstash_token="
        + SECOND_TOKEN, Map.of(), "unreachable"));
    Map<String, String> queued = new HashMap<>(secrets);
    queued.put("Upstash-Callback", sink.url("/callback"));
    published(send("POST", "/v2/enqueue/leaky/" + fail, queued, REDACTED_BODY));
    sink.await(4, 15_000);
    waitForDeadLetters(4);

    // Errors of every kind, each carrying secrets.
    error(send("POST", "/v2/publish/" + ok, auth(WRONG_TOKEN), "x"), 401);
    error(send("GET", "/v2/dlq?qstash_token=" + WRONG_TOKEN, Map.of(), null), 401);
    error(send("GET", "/metrics", auth(WRONG_TOKEN), null), 401);
    error(send("GET", "/v2/keys?qstash_token=" + SECOND_TOKEN + "%zz", Map.of(), null), 400);
    error(send("GET", "/v2/messages/" + BASIC_PASSWORD + "%", auth(TOKEN), null), 400);
    error(send("POST", "/v2/publish/http://user:" + BASIC_PASSWORD + "@169.254.169.254/latest", secrets, "x"), 400);
    error(send("POST", "/v2/publish/http://user:" + BASIC_PASSWORD + "@host:99999/x", secrets, "x"), 400);
    error(send("POST", "/v2/publish/http://user:" + BASIC_PASSWORD + "@[::1/x", secrets, "x"), 400);
    error(send("POST", "/v2/publish/ftp://user:" + BASIC_PASSWORD + "@host/x", secrets, "x"), 400);
    error(send("POST", "/v2/publish/" + ok + "?a=%zz", secrets, "x"), 400);
    Map<String, String> badRetries = new HashMap<>(secrets);
    badRetries.put("Upstash-Retries", "many");
    error(send("POST", "/v2/publish/" + ok, badRetries, "x"), 400);
    Map<String, String> badRedact = new HashMap<>(secrets);
    badRedact.put("Upstash-Redact-Fields", "header[X-Redacted], nonsense");
    error(send("POST", "/v2/publish/" + ok, badRedact, "x"), 400);
    Map<String, String> badCallback = new HashMap<>(secrets);
    badCallback.put("Upstash-Callback", "http://user:" + BASIC_PASSWORD + "@169.254.169.254/cb");
    error(send("POST", "/v2/publish/" + ok, badCallback, "x"), 400);
    String batch = new JsonArray().add(new JsonObject().put("destination", "http://u:" + BASIC_PASSWORD + "@[bad")
        .put("headers", new JsonObject().put("Upstash-Forward-Authorization", FORWARDED_AUTH))).encode();
    var batchAnswer = send("POST", "/v2/batch", auth(TOKEN), batch);
    errorBodies.add(batchAnswer.body()); // its items' errors
    error(send("POST", "/v2/topics/g/endpoints", auth(TOKEN), "{\"endpoints\":[{\"url\":\"http://u:" + BASIC_PASSWORD
        + "@169.254.169.254/\"}]}"), 400);
    Map<String, String> badCron = new HashMap<>(secrets);
    badCron.put("Upstash-Cron", "every day");
    error(send("POST", "/v2/schedules/" + ok, badCron, "x"), 400);

    // Where a user reads messages back: the redacted values never show, in any encoding.
    JsonArray dead = new JsonObject(send("GET", "/v2/dlq", auth(TOKEN), null).body()).getJsonArray("messages");
    assertRedactedAbsent(dead.encode(), "GET /v2/dlq");
    // The search works: a forwarded header that is not redacted is in the dead letter (its owner reads it there).
    assertThrows(AssertionError.class, () -> assertNone(dead.encode(), "control"));
    String dlqId = dead.stream().map(JsonObject.class::cast).filter(d -> failed.equals(d.getString("messageId")))
        .findFirst().orElseThrow().getString("dlqId");
    assertEquals(200, send("GET", "/v2/dlq/" + dlqId, auth(TOKEN), null).statusCode());
    var retried = send("POST", "/v2/dlq/retry/" + dlqId, auth(TOKEN), null);
    assertTrue(retried.statusCode() / 100 == 2, retried.body());
    String retriedId = new JsonObject(retried.body()).getString("messageId");
    Sink.waitFor(() -> send("GET", "/v2/messages/" + retriedId, auth(TOKEN), null).statusCode() == 404, 20_000,
        "the retried message fails again");
    for (String id : List.of(delivered, failed, retriedId)) {
      var events = send("GET", "/v2/events?messageId=" + id, auth(TOKEN), null);
      assertEquals(200, events.statusCode(), events.body());
      assertRedactedAbsent(events.body(), "GET /v2/events");
    }
    send("GET", "/health/ready", Map.of(), null);
  }

  /** An embedded redis-server (no persistence) that takes {@link #REDIS_PASSWORD}. */
  private EmbeddedRedis withPassword(int port) throws Exception {
    EmbeddedRedis redis = EmbeddedRedis.start(redisDir, port, false);
    Redis client = Redis.createClient(vertx, redis.url());
    try {
      TestNode.get(client.send(Request.cmd(Command.CONFIG).arg("SET").arg("requirepass").arg(REDIS_PASSWORD)));
    } finally {
      client.close();
    }
    return redis;
  }

  private void waitForDeadLetters(int n) {
    Sink.waitFor(() -> {
      var r = send("GET", "/v2/dlq", auth(TOKEN), null);
      return r.statusCode() == 200 && new JsonObject(r.body()).getJsonArray("messages").size() >= n;
    }, 20_000, "dead letters");
  }

  private static Map<String, String> auth(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  /** A parsed answer: the status and the body. */
  private record Answer(int statusCode, String body) {}

  /**
   * Sends over a plain socket: several targets here are malformed on purpose (a stray {@code %}, a {@code [}),
   * which {@link java.net.URI}, and so the JDK's client, refuses to send.
   */
  private Answer send(String method, String target, Map<String, String> headers, String body) {
    URI node = URI.create(base);
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Connection: close\r\nContent-Length: " + content.length + "\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    try (Socket socket = new Socket(node.getHost(), node.getPort())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
      out.write(content);
      out.flush();
      String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int split = all.indexOf("\r\n\r\n");
      String headerText = all.substring(0, split).toLowerCase(java.util.Locale.ROOT);
      String rest = all.substring(split + 4);
      Answer a = new Answer(Integer.parseInt(all.substring(9, 12)),
          headerText.contains("transfer-encoding: chunked") ? unchunk(rest) : rest);
      if (a.statusCode() >= 400) {
        errorBodies.add(a.body());
      }
      return a;
    } catch (Exception e) {
      throw new AssertionError(method + " " + target + ": " + e, e);
    }
  }

  private static String unchunk(String chunked) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (true) {
      int eol = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, eol).trim(), 16);
      if (size == 0) {
        return out.toString();
      }
      out.append(chunked, eol + 2, eol + 2 + size); // the text is ASCII: characters are bytes
      at = eol + 2 + size + 2;
    }
  }

  private static String published(Answer r) {
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getString("messageId");
  }

  private static void error(Answer r, int status) {
    assertEquals(status, r.statusCode(), r.body());
  }

  private static List<String> forms(String secret) {
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    return List.of(secret, Base64.getEncoder().encodeToString(bytes), Base64.getUrlEncoder().encodeToString(bytes));
  }

  private static void assertNone(String text, String where) {
    for (String secret : SECRETS) {
      for (String form : forms(secret)) {
        // A base64 form is matched without its padding and last characters, which depend on what precedes it.
        String needle = form.equals(secret) ? form : form.substring(0, form.length() - 4);
        int at = text.indexOf(needle);
        assertTrue(at < 0, "a secret (" + secret.replace(SUFFIX, "") + ") in " + where + ": …"
            + text.substring(Math.max(0, at - 200), Math.min(text.length(), at + 200)) + "…");
      }
    }
  }

  private static void assertRedactedAbsent(String text, String where) {
    for (String secret : REDACTED) {
      for (String form : forms(secret)) {
        String needle = form.equals(secret) ? form : form.substring(0, form.length() - 4);
        assertTrue(!text.contains(needle), "a redacted value (" + secret.replace(SUFFIX, "") + ") in " + where
            + ": " + text);
      }
    }
  }
}
