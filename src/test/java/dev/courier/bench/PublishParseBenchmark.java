package dev.courier.bench;

import dev.courier.api.PublishRequest;
import dev.courier.model.HeaderCodec;
import dev.courier.model.NewMessage;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Publish hot path, API side: turning the request headers + body into a {@link NewMessage}, and the
 * stored-header encoding used on publish (encode) and delivery (forEach).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Thread)
public class PublishParseBenchmark {
  private PublishRequest parser;
  private MultiMap headers;
  private MultiMap dedupHeaders;
  private Buffer body;
  private Map<String, List<String>> forwarded;
  private String encodedHeaders;

  @Setup
  public void setup() {
    parser = new PublishRequest(Fixtures.limits());
    headers = Fixtures.publishHeaders();
    dedupHeaders = Fixtures.publishHeaders();
    dedupHeaders.add("Upstash-Content-Based-Deduplication", "true");
    body = Fixtures.jsonBody(200);
    NewMessage m = parser.parse(Fixtures.DESTINATION, null, headers, body, Fixtures.CALLER_IP, Fixtures.NOW);
    encodedHeaders = m.headers();
    forwarded = HeaderCodec.decode(encodedHeaders); // the LinkedHashMap parse builds: Content-Type + 3 forwarded
    if (forwarded.size() != 4) {
      throw new IllegalStateException("expected 4 stored headers, got " + forwarded);
    }
  }

  /** Full publish validation: size checks, URL, options, forwarded headers, id generation. */
  @Benchmark
  public NewMessage parse() {
    return parser.parse(Fixtures.DESTINATION, null, headers, body, Fixtures.CALLER_IP, Fixtures.NOW);
  }

  /** Same, with content-based deduplication (adds the SHA-256 over url + headers + body). */
  @Benchmark
  public NewMessage parseContentDedup() {
    return parser.parse(Fixtures.DESTINATION, null, dedupHeaders, body, Fixtures.CALLER_IP, Fixtures.NOW);
  }

  @Benchmark
  public String headerEncode() {
    return HeaderCodec.encode(forwarded);
  }

  /** What delivery does per attempt: walk the stored headers onto the outgoing request. */
  @Benchmark
  public void headerForEach(Blackhole bh) {
    HeaderCodec.forEach(encodedHeaders, (k, v) -> {
      bh.consume(k);
      bh.consume(v);
    });
  }
}
