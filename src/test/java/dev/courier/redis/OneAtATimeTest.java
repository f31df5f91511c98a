package dev.courier.redis;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

/** One call at a time, and a stop's wait for the one under way, whatever its outcome. */
class OneAtATimeTest {
  @Test
  void aCallUnderWayIsNotOvertakenAndIdleWaitsForItsEndEvenAFailedOne() {
    OneAtATime<String> calls = new OneAtATime<>();
    assertTrue(calls.idle().succeeded(), "idle before any call");

    Promise<String> first = Promise.promise();
    assertSame(first.future(), calls.run(first::future));
    assertTrue(calls.busy());
    assertNull(calls.run(() -> Future.succeededFuture("second")), "not started while the first is under way");
    Future<Void> idle = calls.idle();
    assertFalse(idle.isComplete(), "waits for the call under way");

    first.fail("CONNECTION_CLOSED");
    assertTrue(idle.succeeded(), "its end, failed or not, is what a stop waits for");
    assertFalse(calls.busy());
    assertTrue(calls.run(() -> Future.succeededFuture("next")).succeeded(), "the next call starts");
  }
}
