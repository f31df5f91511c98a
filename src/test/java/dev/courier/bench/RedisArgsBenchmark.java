package dev.courier.bench;

import dev.courier.ingest.IngestService;
import dev.courier.model.MessageCodec;
import dev.courier.model.NewMessage;
import dev.courier.model.StoredMessage;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.ScriptRunner;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.impl.RequestImpl;
import java.util.ArrayList;
import java.util.List;
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

/**
 * Redis side of a message: the binary field written on publish ({@link MessageCodec#encode}), the
 * storeMessages EVALSHA request {@code IngestService.store} + {@code ScriptRunner.request} build per
 * event-loop turn, its RESP encoding (what the connection writes), and the decode on the claim path
 * ({@code DelayWheel}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class RedisArgsBenchmark {

  @State(Scope.Thread)
  public static class Message {
    NewMessage message;
    StoredMessage stored;
    /** As the claim reply hands it over: {@code Response.toBuffer()} over the field's bytes. */
    Buffer storedBytes;

    @Setup
    public void setup() {
      message = Fixtures.newMessage();
      stored = message.stored();
      storedBytes = Buffer.buffer(MessageCodec.encode(stored).getBytes());
    }
  }

  /** One storeMessages call for a turn's batch of publishes to one shard. */
  @State(Scope.Thread)
  public static class Batch {
    @Param({"1", "16"})
    public int batchSize;

    final Keys keys = new Keys("courier", 4);
    final long dedupWindowMs = 600_000;
    final long maxBacklog = 1_000_000;
    List<NewMessage> batch;

    @Setup
    public void setup() {
      batch = new ArrayList<>(batchSize);
      for (int i = 0; i < batchSize; i++) {
        batch.add(Fixtures.newMessage()); // distinct ids, same shape
      }
    }
  }

  @Benchmark
  public Buffer encodeStored(Message s) {
    return MessageCodec.encode(s.message.stored());
  }

  @Benchmark
  public StoredMessage decodeStored(Message s) {
    return MessageCodec.decode(s.storedBytes);
  }

  /** Argument list + EVALSHA {@link Request}, as built before {@code redis.send}. */
  @Benchmark
  public Request buildStoreRequest(Batch b) {
    return storeRequest(b);
  }

  /** The same, then encoded to the RESP bytes the connection writes ({@code RequestImpl.encode()}). */
  @Benchmark
  public Buffer buildAndEncodeStoreRequest(Batch b) {
    return ((RequestImpl) storeRequest(b)).encode();
  }

  /** What IngestService.store builds for one script call. */
  private static Request storeRequest(Batch b) {
    int shard = 0;
    List<Object> args = IngestService.storeArgs(b.keys, shard, b.dedupWindowMs, b.maxBacklog, b.batch, Fixtures.NOW);
    return ScriptRunner.request(LuaScript.STORE_MESSAGES, IngestService.storeKeys(b.keys, shard), args);
  }
}
