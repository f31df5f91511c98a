package dev.courier.bench;

import dev.courier.api.PublishRequest;
import dev.courier.config.AppConfig.LimitsConfig;
import dev.courier.config.ConfigLoader;
import dev.courier.model.NewMessage;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Realistic per-message inputs shared by the benchmarks: one typical SDK publish. */
final class Fixtures {
  static final String DESTINATION = "https://api.example.com/webhooks/orders";
  static final String CALLER_IP = "203.0.113.42";
  static final long NOW = 1_760_000_000_000L;
  /** Same shape as {@code Ids.signingKey()}: "sig_" + 28 base62 chars. */
  static final String SIGNING_KEY = "sig_7kPq2ZxR9mWb4TnV1cYh8sLd3FgA";

  private Fixtures() {}

  /** The built-in defaults (conf/courier.yaml), as the server runs them. */
  static LimitsConfig limits() {
    return ConfigLoader.load(Map.of(), null, false).limits();
  }

  /**
   * The headers of a typical publish as the server sees them: hop headers, Content-Type, bearer token,
   * three forwarded headers, retries, delay and the SDK's telemetry headers. {@link HttpHeaders#headers()}
   * is the same case-insensitive {@code HeadersMultiMap} an HTTP/1.1 server request carries.
   */
  static MultiMap publishHeaders() {
    MultiMap h = HttpHeaders.headers();
    h.add("Host", "courier.internal:8080");
    h.add("User-Agent", "upstash-qstash-js/2.8.1");
    h.add("Accept", "*/*");
    h.add("Accept-Encoding", "gzip, deflate");
    h.add("Connection", "keep-alive");
    h.add("Content-Length", "200");
    h.add("Content-Type", "application/json");
    h.add("Authorization", "Bearer eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=");
    h.add("Upstash-Forward-X-Request-Id", "req_01J9ZK3M8Q4T7V2X5B6N9C1D0E");
    h.add("Upstash-Forward-X-Tenant-Id", "tenant-4711");
    h.add("Upstash-Forward-Authorization", "Bearer downstream-secret-abcdef0123456789");
    h.add("Upstash-Retries", "5");
    h.add("Upstash-Delay", "10s");
    h.add("Upstash-Telemetry-Sdk", "upstash-qstash-js@v2.8.1");
    h.add("Upstash-Telemetry-Framework", "nextjs");
    h.add("Upstash-Telemetry-Runtime", "node@v20.11.1");
    return h;
  }

  /** A JSON body of exactly {@code size} bytes (padded inside a string field). */
  static Buffer jsonBody(int size) {
    String head = "{\"orderId\":\"ord_8f3a2c91\",\"customerId\":\"cus_55120\",\"amount\":12999,"
        + "\"currency\":\"EUR\",\"items\":[{\"sku\":\"SKU-1021\",\"qty\":2},{\"sku\":\"SKU-3310\",\"qty\":1}],"
        + "\"note\":\"";
    String tail = "\"}";
    int pad = size - head.length() - tail.length();
    if (pad < 0) {
      throw new IllegalArgumentException("body size too small: " + size);
    }
    byte[] bytes = (head + "x".repeat(pad) + tail).getBytes(StandardCharsets.US_ASCII);
    if (bytes.length != size) {
      throw new IllegalStateException("body is " + bytes.length + " bytes, wanted " + size);
    }
    return Buffer.buffer(bytes);
  }

  /** The validated message the API hands to ingest for the typical publish. */
  static NewMessage newMessage() {
    return new PublishRequest(limits()).parse(DESTINATION, null, publishHeaders(), jsonBody(200), CALLER_IP, NOW);
  }
}
