package dev.courier.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One host's share of a dispatcher's credit: attempts beyond the limit wait for the host's own attempts to
 * end, and are deferred only when the host has stopped ending any. Driven on one event loop, as in a
 * dispatcher, with attempts whose end the test decides.
 */
@ExtendWith(VertxExtension.class)
class HostShareTest {
  private static final AttemptResult OK = new AttemptResult(200, null, null, null);
  private Vertx vertx;
  private Context loop;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.loop = vertx.getOrCreateContext();
  }

  /** Runs {@code action} on the share's event loop and waits for its value. */
  private <T> T on(Supplier<T> action) throws Exception {
    CompletableFuture<T> out = new CompletableFuture<>();
    loop.runOnContext(v -> out.complete(action.get()));
    return out.get(5, TimeUnit.SECONDS);
  }

  /** An attempt that records that it started and ends when the test completes its promise. */
  private static final class Manual implements Supplier<Future<AttemptResult>> {
    final Promise<AttemptResult> end = Promise.promise();
    volatile boolean started;

    @Override
    public Future<AttemptResult> get() {
      started = true;
      return end.future();
    }
  }

  @Test
  void beyondItsLimitAHostsAttemptsWaitForItsOwnToEndInOrder() throws Exception {
    HostShare share = new HostShare(vertx, 2, 60_000);
    List<Manual> attempts = new ArrayList<>();
    List<Future<AttemptResult>> results = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Manual m = new Manual();
      attempts.add(m);
      results.add(on(() -> share.run("http://slow:80", m)));
    }
    assertTrue(attempts.get(0).started && attempts.get(1).started);
    assertFalse(attempts.get(2).started || attempts.get(3).started, "beyond the limit of 2");
    Manual other = new Manual();
    on(() -> share.run("http://fast:80", other));
    assertTrue(other.started, "another host is not held back by the first one's share");
    assertEquals(2, (int) on(share::waiting));

    on(() -> attempts.get(1).end.tryComplete(OK));
    assertTrue(attempts.get(2).started, "the oldest waiting one starts when one of its host's attempts ends");
    assertFalse(attempts.get(3).started);
    on(() -> attempts.get(0).end.tryComplete(OK));
    assertTrue(attempts.get(3).started);
    on(() -> attempts.get(2).end.tryComplete(OK));
    assertSame(OK, results.get(2).result(), "a waiting attempt's result is the attempt's own");
  }

  @Test
  void aHostThatEndsNothingForItsStallTimeHasItsExcessDeferredAndWaitsAgainOnceItMoves() throws Exception {
    HostShare share = new HostShare(vertx, 1, 300);
    Manual hanging = new Manual();
    on(() -> share.run("http://hang:80", hanging));
    Manual waiting = new Manual();
    Future<AttemptResult> held = on(() -> share.run("http://hang:80", waiting));
    AttemptResult deferred = held.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertSame(HostShare.DEFERRED, deferred, "the stall timer gave the waiting attempt back");
    assertFalse(waiting.started);
    Future<AttemptResult> next = on(() -> share.run("http://hang:80", new Manual()));
    assertSame(HostShare.DEFERRED, next.result(), "while the host stalls, an attempt beyond its share is deferred at once");

    on(() -> hanging.end.tryComplete(OK)); // the host answers at last
    Manual after = new Manual();
    on(() -> share.run("http://hang:80", after));
    assertTrue(after.started, "below its limit again");
    Manual queued = new Manual();
    Future<AttemptResult> waitsAgain = on(() -> share.run("http://hang:80", queued));
    assertFalse(waitsAgain.isComplete(), "the host moved: beyond its limit an attempt waits again");
    on(() -> after.end.tryComplete(OK));
    assertTrue(queued.started);
    assertEquals(0, (int) on(share::waiting));
  }

  /** Even from a host that moves, no attempt waits past its allowance: it must start well inside its lease. */
  @Test
  void anAttemptThatWaitedItsAllowanceIsDeferredEvenWhileItsHostMoves() throws Exception {
    HostShare share = new HostShare(vertx, 1, 300);
    Manual first = new Manual();
    on(() -> share.run("http://h:80", first));
    Manual second = new Manual();
    on(() -> share.run("http://h:80", second));
    Manual third = new Manual();
    Future<AttemptResult> waiting = on(() -> share.run("http://h:80", third));
    on(() -> first.end.tryComplete(OK)); // the host moves: the second starts, the third waits on
    assertTrue(second.started);
    AttemptResult r = waiting.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertSame(HostShare.DEFERRED, r, "waited its 300 ms behind a running attempt");
    assertFalse(third.started);
    assertFalse(second.end.future().isComplete());
  }

  @Test
  void aStoppingDispatcherDefersEveryWaitingAttempt() throws Exception {
    HostShare share = new HostShare(vertx, 1, 60_000);
    on(() -> share.run("http://a:80", new Manual()));
    Future<AttemptResult> waiting = on(() -> share.run("http://a:80", new Manual()));
    on(() -> {
      share.deferAllWaiting();
      return null;
    });
    assertSame(HostShare.DEFERRED, waiting.result());
  }
}
