package dev.courier.redis;

/** Every flow-control script test again with the event log on: the outbox changes nothing of what they do. */
class FlowControlScriptsWithOutboxTest extends FlowControlScriptsTest {
  @Override
  boolean outbox() {
    return true;
  }
}
