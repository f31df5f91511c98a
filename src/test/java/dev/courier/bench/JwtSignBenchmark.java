package dev.courier.bench;

import dev.courier.signing.JwtSigner;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Delivery hot path: the Upstash-Signature JWT, built once per attempt (SHA-256 of the body + HMAC). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Thread)
public class JwtSignBenchmark {
  @Param({"200", "10240"})
  public int bodyBytes;

  private byte[] body;

  @Setup
  public void setup() {
    body = Fixtures.jsonBody(bodyBytes).getBytes();
  }

  /** The production entry point: current time and a fresh jti each call, key MAC cached per thread. */
  @Benchmark
  public String sign() {
    return JwtSigner.sign(Fixtures.SIGNING_KEY, Fixtures.DESTINATION, body);
  }
}
