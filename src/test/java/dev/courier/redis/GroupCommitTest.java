package dev.courier.redis;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Group commit: a batch leaves at the end of the turn when nothing is out; while one is out, what arrives
 * waits and leaves as one batch when it returns, or at once when a full batch is waiting. With a linger, a batch
 * started while nothing is out waits for it to end (or to be full), unless an item that must not wait comes.
 */
@ExtendWith(VertxExtension.class)
class GroupCommitTest {
  private Context context;
  /** What the flush function was handed, and the promises that answer each batch. */
  private final List<List<Integer>> batches = new ArrayList<>();
  private final List<Promise<List<String>>> answers = new ArrayList<>();
  private GroupCommit<Integer, String> batcher;

  @BeforeEach
  void setUp(Vertx vertx) {
    context = vertx.getOrCreateContext();
    batcher = new GroupCommit<>(context, 4, batch -> {
      batches.add(List.copyOf(batch));
      firstBatch.complete(System.nanoTime());
      Promise<List<String>> p = Promise.promise();
      answers.add(p);
      return p.future();
    });
  }

  @Test
  void itemsOfOneTurnLeaveTogetherAtItsEnd() {
    List<Future<String>> results = on(() -> List.of(batcher.submit(1), batcher.submit(2)));
    on(() -> null); // the turn that submitted has ended
    assertEquals(List.of(List.of(1, 2)), batches);
    run(() -> answers.get(0).complete(List.of("a", "b")));
    assertEquals("a", get(results.get(0)));
    assertEquals("b", get(results.get(1)));
  }

  @Test
  void whatArrivesWhileABatchIsOutLeavesAsOneBatchWhenItReturns() {
    on(() -> batcher.submit(1));
    on(() -> null);
    List<Future<String>> later = new ArrayList<>();
    // Three later turns, each with one item: none leaves while the first batch is out.
    for (int i = 2; i <= 4; i++) {
      int item = i;
      later.add(on(() -> batcher.submit(item)));
    }
    on(() -> null);
    assertEquals(List.of(List.of(1)), batches);

    run(() -> answers.get(0).complete(List.of("one")));
    on(() -> null);
    assertEquals(List.of(List.of(1), List.of(2, 3, 4)), batches);
    run(() -> answers.get(1).complete(List.of("two", "three", "four")));
    assertEquals("four", get(later.get(2)));
  }

  @Test
  void aFullBatchDoesNotWaitForTheOneOut() {
    on(() -> batcher.submit(0));
    on(() -> null);
    on(() -> {
      for (int i = 1; i <= 4; i++) {
        batcher.submit(i);
      }
      return null;
    });
    assertEquals(List.of(List.of(0), List.of(1, 2, 3, 4)), batches);
  }

  @Test
  void aFailedBatchFailsItsItemsAndTheNextStillLeaves() {
    Future<String> first = on(() -> batcher.submit(1));
    on(() -> null);
    Future<String> second = on(() -> batcher.submit(2));
    run(() -> answers.get(0).fail("redis down"));
    on(() -> null);
    assertTrue(first.failed(), "the items of a failed batch fail");
    assertEquals(List.of(List.of(1), List.of(2)), batches);
    run(() -> answers.get(1).complete(List.of("ok")));
    assertEquals("ok", get(second));
  }

  /** When the batcher handed its first batch to flush (nanoTime). */
  private final java.util.concurrent.CompletableFuture<Long> firstBatch = new java.util.concurrent.CompletableFuture<>();

  @Test
  void withALingerItemsOfSeveralTurnsLeaveTogetherWhenItEnds() {
    for (int i = 1; i <= 3; i++) {
      int item = i;
      on(() -> batcher.submit(item, 60_000)); // a turn each; far longer than the test: only a full batch ends it
    }
    on(() -> null);
    assertEquals(List.of(), batches, "nothing leaves before the linger ends or the batch is full");
    on(() -> batcher.submit(4, 60_000));
    assertEquals(List.of(List.of(1, 2, 3, 4)), batches, "a full batch leaves at once");
  }

  @Test
  void aLingeringBatchLeavesWhenItsTimeIsUp() {
    long start = System.nanoTime();
    Future<String> result = on(() -> batcher.submit(1, 30));
    on(() -> batcher.submit(2, 30));
    run(() -> context.owner().setTimer(1, t -> {})); // a turn later, still lingering
    long left = get(Future.fromCompletionStage(firstBatch));
    assertTrue(left - start >= 30_000_000L, "it waited its linger");
    assertEquals(List.of(List.of(1, 2)), on(() -> List.copyOf(batches)));
    run(() -> answers.get(0).complete(List.of("a", "b")));
    assertEquals("a", get(result));
  }

  @Test
  void anItemWithoutALingerTakesTheLingeringOnesAlongAtTheEndOfItsTurn() {
    on(() -> batcher.submit(1, 60_000));
    on(() -> null);
    assertEquals(List.of(), batches, "the item's linger holds its batch");
    on(() -> batcher.submit(2));
    on(() -> null);
    assertEquals(List.of(List.of(1, 2)), batches, "an item without a linger leaves at the end of its turn");
  }

  @Test
  void underLoadALingerChangesNothingWhatWaitedForTheBatchOutLeavesAtTheEndOfTheTurn() {
    on(() -> batcher.submit(1));
    on(() -> null);
    on(() -> batcher.submit(2, 60_000));
    on(() -> batcher.submit(3, 60_000));
    run(() -> answers.get(0).complete(List.of("one")));
    on(() -> null);
    assertEquals(List.of(List.of(1), List.of(2, 3)), batches, "no linger after a batch returns");
  }

  private void run(Runnable block) {
    on(() -> {
      block.run();
      return null;
    });
  }

  /** Runs the block as one turn on the batcher's context and waits for it (and for what it queued first). */
  private <T> T on(Callable<T> block) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> {
      try {
        done.complete(block.call());
      } catch (Exception e) {
        done.fail(e);
      }
    });
    return get(done.future());
  }
}
