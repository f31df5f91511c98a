package dev.courier.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.model.Callbacks;
import dev.courier.model.FlowControl;
import dev.courier.model.StoredMessage;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which acks wait for company ({@link OutcomeWriter#lingerOf}): those that carry callbacks wait the callbacks'
 * linger, the others the acks' linger, and a queued or flow-controlled message's ack never waits (its gate's next
 * message waits for it). The group commit's own behaviour with a linger is GroupCommitTest's.
 */
class AckLingerTest {
  private static final long ACK = 0;
  private static final long CALLBACK = 1;

  @Test
  void aPlainAckTakesTheAcksLinger() {
    assertEquals(0, OutcomeWriter.lingerOf(claimed(message(null, null, null)), false, ACK, CALLBACK));
    assertEquals(3, OutcomeWriter.lingerOf(claimed(message(null, null, null)), false, 3, CALLBACK));
  }

  @Test
  void anAckThatStoresCallbacksTakesTheCallbacksLinger() {
    Delivery d = claimed(message(null, null, null));
    assertEquals(1, OutcomeWriter.lingerOf(d, true, ACK, CALLBACK));
    assertEquals(0, OutcomeWriter.lingerOf(d, true, ACK, 0), "turned off");
    assertEquals(5, OutcomeWriter.lingerOf(d, true, 5, CALLBACK), "the longer of the two");
  }

  @Test
  void aCallbackTakenAtOnceLingersOneClaimedFromTheWheelDoesNot() {
    StoredMessage callback = message(null, null, Callbacks.of("msg_0_source", Callbacks.CALLBACK));
    assertEquals(1, OutcomeWriter.lingerOf(new Delivery(0, "msg_0_cb", callback, 0, "t", 0, true), false, ACK,
        CALLBACK));
    // claimed, it may hold its source's queue permit: its ack must not hold the queue back
    assertEquals(0, OutcomeWriter.lingerOf(claimed(callback), false, ACK, CALLBACK));
  }

  @Test
  void aGatedMessagesAckNeverWaits() {
    assertEquals(0, OutcomeWriter.lingerOf(claimed(message("q", null, null)), true, 5, CALLBACK));
    assertEquals(0, OutcomeWriter.lingerOf(claimed(message(null, new FlowControl("k", 1, 0, 0), null)), true, 5,
        CALLBACK));
  }

  private static Delivery claimed(StoredMessage m) {
    return new Delivery(0, "msg_0_x", m, 0, "t", 0);
  }

  private static StoredMessage message(String queue, FlowControl flowControl, Callbacks callbacks) {
    return new StoredMessage("http://127.0.0.1:9/x", "POST", "", 3, null, 30_000, 0, 0, null, List.of(),
        Buffer.buffer("{}"), queue, null, null, flowControl, callbacks, null);
  }
}
