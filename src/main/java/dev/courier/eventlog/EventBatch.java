package dev.courier.eventlog;

import java.util.List;

/**
 * What the outbox writer hands the store in one go: the messages created and the events, in outbox order.
 *
 * @param replay true when some of it may have been stored before (entries read again after a crash): the store
 *     then stores each message and event once, by message id and by event key
 */
public record EventBatch(List<LoggedMessage> messages, List<LoggedEvent> events, boolean replay) {

  public int size() {
    return messages.size() + events.size();
  }
}
