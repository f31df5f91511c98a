package dev.courier.eventlog;

import dev.courier.model.Ids;
import dev.courier.model.MessageCodec;
import dev.courier.model.StoredMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.BulkType;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The writer's CPU per message on the event loop, without Redis or a database: outbox entries shaped as the
 * scripts write them at the full rate (a publish's entry with its message of a 900-byte body, a claim's of 50 ACTIVE
 * events, an ack's DELIVERED) decoded and turned into the chunks' rows, as EventLogVerticle and ChunkWriter do. Run by
 * hand, never by Surefire: {@code java -cp target/test-classes:target/classes:<test classpath>
 * dev.courier.eventlog.WriterCpuBenchmark}. Prints ns per message for each of several rounds (the first ones are the
 * JIT's).
 */
public final class WriterCpuBenchmark {
  private static final int MESSAGES_PER_BATCH = 2_000;
  private static final int BATCHES_PER_ROUND = 100;

  private WriterCpuBenchmark() {}

  public static void main(String[] args) {
    List<List<Outbox.Entry>> batches = new ArrayList<>();
    long t0 = System.currentTimeMillis();
    for (int b = 0; b < 20; b++) {
      batches.add(batch(t0 + b * 200L, b));
    }
    long sink = 0;
    for (int round = 0; round < Integer.getInteger("bench.rounds", 8); round++) {
      long decodeNs = 0;
      long rowsNs = 0;
      long decodeBytes = 0;
      long rowsBytes = 0;
      for (int i = 0; i < BATCHES_PER_ROUND; i++) {
        List<Outbox.Entry> entries = batches.get(i % batches.size());
        long a0 = allocated();
        long a = System.nanoTime();
        EventBatch batch = OutboxDecoder.decode(3, entries, false);
        long b = System.nanoTime();
        long b0 = allocated();
        Map<String, LoggedMessage> messages = new LinkedHashMap<>();
        batch.messages().forEach(m -> messages.putIfAbsent(m.messageId(), m));
        Map<String, LoggedEvent> events = new LinkedHashMap<>();
        batch.events().forEach(e -> events.putIfAbsent(e.key(), e));
        List<Tuple> rows = ChunkWriter.rows(messages, events, Map.of());
        long c = System.nanoTime();
        decodeBytes += b0 - a0;
        rowsBytes += allocated() - b0;
        decodeNs += b - a;
        rowsNs += c - b;
        sink += rows.size();
      }
      double per = (double) BATCHES_PER_ROUND * MESSAGES_PER_BATCH;
      System.out.printf("round %d: decode %.0f ns, rows %.0f ns, total %.0f ns per message; allocated: decode %.0f,"
          + " rows %.0f bytes per message%n", round, decodeNs / per, rowsNs / per, (decodeNs + rowsNs) / per,
          decodeBytes / per, rowsBytes / per);
    }
    System.out.println("(rows made: " + sink + ")");
  }

  private static long allocated() {
    return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  /** One writer batch: MESSAGES_PER_BATCH messages created, claimed and delivered. */
  private static List<Outbox.Entry> batch(long t, int b) {
    List<Outbox.Entry> entries = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    byte[] body = new byte[900];
    java.util.Arrays.fill(body, (byte) 'x');
    int seq = 0;
    for (int i = 0; i < MESSAGES_PER_BATCH; i++) {
      long created = t + i / 20;
      String id = "msg_3_" + Ids.timeOrdered(24, created);
      ids.add(id);
      StoredMessage m = new StoredMessage("http://127.0.0.1:8080/sink", "POST",
          "Content-Type:application/json\nX-Bench:1\n", 3, null, 30_000, created, created, "127.0.0.1", List.of(),
          Buffer.buffer(body));
      entries.add(entry(created + "-" + seq++, "t", Long.toString(created), "C", id, "m", MessageCodec.encode(m)));
    }
    for (int from = 0; from < ids.size(); from += 50) {
      List<Object> fields = new ArrayList<>(List.of("t", Long.toString(t + from / 20 + 1)));
      for (String id : ids.subList(from, Math.min(ids.size(), from + 50))) {
        fields.add("A");
        fields.add(id);
      }
      entries.add(entry((t + from / 20 + 1) + "-" + seq++, fields.toArray()));
    }
    for (String id : ids) {
      entries.add(entry((t + 3) + "-" + seq++, "D", id));
    }
    return entries;
  }

  private static Outbox.Entry entry(String id, Object... fields) {
    List<Response> out = new ArrayList<>();
    for (Object f : fields) {
      out.add(BulkType.create(f instanceof Buffer buf ? buf : Buffer.buffer((String) f), false));
    }
    return new Outbox.Entry(id, out);
  }
}
