package dev.courier.support;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The guard catches a real block: an event loop of a default Vertx held until Vert.x's own checker reports it.
 * The test takes the report itself (so that the guard's extension does not fail it) and shows that the check
 * the extension runs after every test would have failed.
 */
class BlockedThreadGuardTest {
  /** Vert.x reports a block after 2 s, checking every second: 3 s and a margin for a loaded machine. */
  private static final long REPORTED_WITHIN_MS = 10_000;

  @Test
  void aBlockedEventLoopFailsTheCheck() throws Exception {
    assertTrue(BlockedThreadGuard.installed() || System.getProperty(BlockedThreadGuard.PROPERTY) != null,
        "the guard's logging factory is configured");
    BlockedThreadGuard.check(); // nothing left over from earlier tests in this JVM
    Vertx vertx = Vertx.vertx();
    try {
      // Blocking on purpose: the event loop waits (here, polls) until the checker has reported it, however
      // long that takes on this machine, instead of sleeping a guessed time.
      Promise<Long> done = Promise.promise();
      vertx.runOnContext(v -> done.complete(blockUntilReported()));
      long blockedMs = TestNode.get(done.future());
      assertTrue(blockedMs >= 2_000, "reported after Vert.x's 2 s limit, not before: " + blockedMs);
      List<String> caught = BlockedThreadGuard.take();
      assertEquals(1, caught.size(), caught.toString());
      assertTrue(caught.get(0).contains("vert.x-eventloop-thread-") && caught.get(0).contains("has been blocked for"),
          caught.get(0));

      // What the extension runs after each test: it fails when a block was recorded, and reports it once.
      BlockedThreadGuard.scan(caught.get(0).substring(caught.get(0).indexOf("Thread ")), "replayed");
      AssertionError failure = assertThrows(AssertionError.class, BlockedThreadGuard::check);
      assertTrue(failure.getMessage().contains("event loop was blocked"), failure.getMessage());
      assertDoesNotThrow(BlockedThreadGuard::check);
    } finally {
      TestNode.get(vertx.close());
    }
  }

  @Test
  void workerThreadsAndOtherWarningsAreNotBlocks() {
    BlockedThreadGuard.scan("Thread Thread[#40,vert.x-worker-thread-3,5,main] has been blocked for 61000 ms, time"
        + " limit is 60000 ms", "test");
    BlockedThreadGuard.scan("a message that mentions vert.x-eventloop-thread-1 and nothing else", "test");
    assertDoesNotThrow(BlockedThreadGuard::check);
  }

  /** Runs on the event loop: holds it until the checker's warning arrived, then says for how long. */
  private static long blockUntilReported() {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(REPORTED_WITHIN_MS);
    while (BlockedThreadGuard.pending() == 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }
}
