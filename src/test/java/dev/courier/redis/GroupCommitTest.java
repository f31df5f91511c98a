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

  /** When a lingering batcher handed its first batch to flush (nanoTime). */
  private final java.util.concurrent.CompletableFuture<Long> firstBatch = new java.util.concurrent.CompletableFuture<>();

  /** A batcher that lingers for {@code ms}, recording into the same lists. */
  private GroupCommit<Integer, String> lingering(long ms) {
    return new GroupCommit<>(context, 4, ms, batch -> {
      batches.add(List.copyOf(batch));
      firstBatch.complete(System.nanoTime());
      Promise<List<String>> p = Promise.promise();
      answers.add(p);
      return p.future();
    });
  }

  @Test
  void withALingerItemsOfSeveralTurnsLeaveTogetherWhenItEnds() {
    GroupCommit<Integer, String> slow = lingering(60_000); // far longer than the test: only a full batch ends it
    for (int i = 1; i <= 3; i++) {
      int item = i;
      on(() -> slow.submit(item)); // a turn each
    }
    on(() -> null);
    assertEquals(List.of(), batches, "nothing leaves before the linger ends or the batch is full");
    on(() -> slow.submit(4));
    assertEquals(List.of(List.of(1, 2, 3, 4)), batches, "a full batch leaves at once");
  }

  @Test
  void aLingeringBatchLeavesWhenItsTimeIsUp() {
    GroupCommit<Integer, String> brief = lingering(30);
    long start = System.nanoTime();
    Future<String> result = on(() -> brief.submit(1));
    on(() -> brief.submit(2));
    run(() -> context.owner().setTimer(1, t -> {})); // a turn later, still lingering
    long left = get(Future.fromCompletionStage(firstBatch));
    assertTrue(left - start >= 30_000_000L, "it waited its linger");
    assertEquals(List.of(List.of(1, 2)), on(() -> List.copyOf(batches)));
    run(() -> answers.get(0).complete(List.of("a", "b")));
    assertEquals("a", get(result));
  }

  @Test
  void anItemThatMustNotWaitTakesTheLingeringOnesAlongAtTheEndOfItsTurn() {
    GroupCommit<Integer, String> slow = lingering(60_000);
    on(() -> slow.submit(1));
    on(() -> null);
    assertEquals(List.of(), batches);
    on(() -> slow.submitNow(2));
    on(() -> null);
    assertEquals(List.of(List.of(1, 2)), batches);
  }

  @Test
  void underLoadALingerChangesNothingWhatWaitedForTheBatchOutLeavesAtTheEndOfTheTurn() {
    GroupCommit<Integer, String> slow = lingering(60_000);
    on(() -> slow.submitNow(1));
    on(() -> null);
    on(() -> slow.submit(2));
    on(() -> slow.submit(3));
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
