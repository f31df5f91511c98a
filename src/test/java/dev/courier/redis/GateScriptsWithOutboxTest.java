package dev.courier.redis;

/**
 * Every gate-script test again with the event log on: recording the changes in the outbox (one more key, one
 * XADD per call) changes nothing of what the scripts do to queues.
 */
class GateScriptsWithOutboxTest extends GateScriptsTest {
  @Override
  boolean outbox() {
    return true;
  }
}
