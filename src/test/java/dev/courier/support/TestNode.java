package dev.courier.support;

import dev.courier.Courier;
import dev.courier.config.AppConfig;
import dev.courier.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real Courier node started in-process against {@link TestRedis}, under a key prefix of its own, with
 * a JDK HTTP client to talk to it as a client would.
 */
public final class TestNode implements AutoCloseable {
  public static final String TOKEN = "test-token-" + UUID.randomUUID();
  public static final String CURRENT_KEY = "sig_testCurrentKey000000000000000";
  public static final String NEXT_KEY = "sig_testNextKey00000000000000000000";

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Vertx vertx;
  private final Courier courier;
  private final AppConfig config;

  private TestNode(Vertx vertx, Courier courier, AppConfig config) {
    this.vertx = vertx;
    this.courier = courier;
    this.config = config;
  }

  public static TestNode start(Vertx vertx) throws Exception {
    return start(vertx, Map.of());
  }

  /** @param env extra {@code COURIER_*} overrides, exactly as an operator would set them */
  public static TestNode start(Vertx vertx, Map<String, String> env) throws Exception {
    return start(vertx, env, (io.micrometer.prometheusmetrics.PrometheusMeterRegistry) null);
  }

  /** @param registry the registry the Vertx reports to (VertxMetricsSetup), shown by the node's /metrics */
  public static TestNode start(Vertx vertx, Map<String, String> env,
      io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry) throws Exception {
    return start(vertx, env, registry, java.time.Clock.systemUTC());
  }

  /** @param clock the clock schedules fire by (a {@link MovableClock} in schedule tests) */
  public static TestNode start(Vertx vertx, Map<String, String> env, java.time.Clock clock) throws Exception {
    return start(vertx, env, null, clock);
  }

  private static TestNode start(Vertx vertx, Map<String, String> env,
      io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry, java.time.Clock clock) throws Exception {
    Map<String, String> all = new HashMap<>(env(TestRedis.url(), "t" + UUID.randomUUID().toString().substring(0, 8)));
    all.putAll(env);
    AppConfig config = ConfigLoader.load(all, null, false);
    Courier courier = get(Courier.start(vertx, config, true, registry, clock));
    return new TestNode(vertx, courier, config);
  }

  /** The environment a test node runs with; also used to start a node in a second JVM. */
  public static Map<String, String> env(String redisUrl, String prefix) {
    Map<String, String> env = new HashMap<>();
    env.put("COURIER_REDIS_URL", redisUrl);
    env.put("COURIER_REDIS_KEY_PREFIX", prefix);
    env.put("COURIER_HTTP_PORT", "0");
    env.put("COURIER_AUTH_TOKEN", TOKEN);
    env.put("COURIER_SIGNING_CURRENT_KEY", CURRENT_KEY);
    env.put("COURIER_SIGNING_NEXT_KEY", NEXT_KEY);
    env.put("COURIER_DELIVERY_REAPER_INTERVAL_MS", "200");
    // Off unless a test turns it on (with a data folder of its own): the event-log tests cover it
    env.put("COURIER_EVENT_LOG_ENABLED", "false");
    return env;
  }

  public String prefix() {
    return config.redis().keyPrefix();
  }

  public Courier courier() {
    return courier;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + courier.port();
  }

  public HttpResponse<byte[]> send(String method, String path, Map<String, String> headers, byte[] body) {
    return send(method, path, headers, body, true);
  }

  public HttpResponse<byte[]> send(String method, String path, Map<String, String> headers, byte[] body,
      boolean authorize) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (authorize) {
      b.header("Authorization", "Bearer " + TOKEN);
    }
    headers.forEach(b::header);
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (Exception e) {
      throw new AssertionError("request failed: " + e, e);
    }
  }

  /** Publishes and asserts a 2xx; returns the response JSON. */
  public JsonObject publish(String destination, Map<String, String> headers, byte[] body) {
    HttpResponse<byte[]> r = send("POST", "/v2/publish/" + destination, headers, body);
    if (r.statusCode() / 100 != 2) {
      throw new AssertionError("publish answered " + r.statusCode() + ": " + new String(r.body()));
    }
    return new JsonObject(io.vertx.core.buffer.Buffer.buffer(r.body()));
  }

  public JsonObject getJson(String path) {
    HttpResponse<byte[]> r = send("GET", path, Map.of(), null);
    if (r.statusCode() != 200) {
      throw new AssertionError("GET " + path + " answered " + r.statusCode() + ": " + new String(r.body()));
    }
    return new JsonObject(io.vertx.core.buffer.Buffer.buffer(r.body()));
  }

  public JsonArray deadLetters() {
    return getJson("/v2/dlq").getJsonArray("messages");
  }

  /**
   * How many Redis keys this node's prefix holds: "nothing stored" is 0 (ignoring the deployment's signing
   * keys and shard count).
   */
  public long storedKeys() {
    Redis redis = Redis.createClient(vertx, TestRedis.url());
    try {
      long n = 0;
      String cursor = "0";
      do {
        Response r = get(redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(prefix() + ":*")
            .arg("COUNT").arg(1000)));
        cursor = r.get(0).toString();
        for (Response key : r.get(1)) {
          if (!key.toString().equals(prefix() + ":keys") && !key.toString().equals(prefix() + ":shards")) {
            n++;
          }
        }
      } while (!"0".equals(cursor));
      return n;
    } finally {
      redis.close();
    }
  }

  public static <T> T get(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e.getCause() != null ? e.getCause() : e);
    }
  }

  @Override
  public void close() {
    get(courier.stop());
  }
}
