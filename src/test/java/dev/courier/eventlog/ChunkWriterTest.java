package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.T0;
import static dev.courier.eventlog.LogFixtures.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.courier.model.Ids;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * How a batch's runs become chunks' rows, without a database: each chunk's text is its runs' texts in key order, cut
 * at {@link ChunkWriter#MAX_CHARS}, {@link ChunkWriter#MAX_RUNS} and the second of creation, the bounds and states
 * those of its runs. The writer writes each run into the chunk's buffer where it ends up, and a run that would make
 * its chunk too long starts the next one: what each row holds must be what the runs' own texts make.
 */
class ChunkWriterTest {
  private static final long SECOND = (T0 / 1000 + 1) * 1000;

  private static ChunkWriter.Run run(int i, long created, int bodyChars) {
    String id = "msg_0_" + Ids.timeOrdered(24, created);
    LoggedMessage m = new LoggedMessage(id, created, "https://api.example.com/h", "api.example.com", "/h", "POST",
        null, "QUJD".repeat(bodyChars / 4), null, null, null, null, List.of(), null, null, 30_000, 3, null, null,
        null);
    return ChunkWriter.run(id, List.of(event("s0:" + i + "-0:0", id, "CREATED", created),
        event("s0:" + i + "-0:1", id, i % 2 == 0 ? "DELIVERED" : "ERROR", created + 20)), m);
  }

  /** The row {@code runs} make: text, bounds, states. */
  private static List<Object> expected(List<ChunkWriter.Run> runs) {
    String text = runs.stream().map(ChunkWriter.Run::text).collect(Collectors.joining(",", "[", "]"));
    String states = runs.stream().flatMap(r -> r.states().stream()).distinct().sorted()
        .collect(Collectors.joining(",", ",", ","));
    return List.of(runs.get(0).key(), runs.get(runs.size() - 1).key(),
        runs.stream().mapToLong(ChunkWriter.Run::first).min().getAsLong(),
        runs.stream().mapToLong(ChunkWriter.Run::last).max().getAsLong(), states, text);
  }

  private static List<Object> actual(Tuple row) {
    String text = row.getString(5) != null ? row.getString(5) : row.getString(6);
    return List.of(row.getLong(0), row.getLong(1), row.getLong(2), row.getLong(3), row.getString(4), text);
  }

  @Test
  void runsThatWouldMakeAChunkTooLongStartTheNext() {
    // about 25 000 characters each: two fit in a chunk, a third does not
    List<ChunkWriter.Run> runs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      runs.add(run(i, SECOND + i, 25_000));
    }
    List<ChunkWriter.Run> shuffled = new ArrayList<>(runs);
    java.util.Collections.reverse(shuffled); // sorted by key, whatever the batch's order
    List<Tuple> rows = ChunkWriter.chunks(shuffled);
    assertEquals(List.of(expected(runs.subList(0, 2)), expected(runs.subList(2, 4)), expected(runs.subList(4, 5))),
        rows.stream().map(ChunkWriterTest::actual).toList());
  }

  @Test
  void chunksAreCutAtAHundredRunsAndWhereTheSecondChanges() {
    List<ChunkWriter.Run> runs = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      runs.add(run(i, SECOND + i * 3, 40)); // within 500 ms: cut by count only
    }
    for (int i = 150; i < 160; i++) {
      runs.add(run(i, SECOND + 1000 + i, 40));
    }
    List<Tuple> rows = ChunkWriter.chunks(runs);
    assertEquals(List.of(expected(runs.subList(0, 100)), expected(runs.subList(100, 150)),
        expected(runs.subList(150, 160))), rows.stream().map(ChunkWriterTest::actual).toList());
    assertNull(rows.get(0).getString(6));
  }

  @Test
  void aChunkLongerThanAVarcharGoesToTheLargeColumn() {
    List<ChunkWriter.Run> runs = List.of(run(0, SECOND, 100), run(1, SECOND + 1, ChunkWriter.VARCHAR_LIMIT + 4),
        run(2, SECOND + 2, 100));
    List<Tuple> rows = ChunkWriter.chunks(runs);
    assertEquals(List.of(expected(runs.subList(0, 1)), expected(runs.subList(1, 2)), expected(runs.subList(2, 3))),
        rows.stream().map(ChunkWriterTest::actual).toList());
    assertNull(rows.get(1).getString(5));
    assertNull(rows.get(2).getString(6));
  }
}
