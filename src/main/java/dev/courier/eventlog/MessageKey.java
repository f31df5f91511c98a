package dev.courier.eventlog;

/**
 * A message id as a number that the event log indexes in place of the id itself (V5__message_key.sql): the ten
 * characters after its {@code msg_<shard>_} prefix read as a base62 number. A message id of layout 3 starts with
 * its creation time to the millisecond (model.Ids#timeOrdered, 7 characters), so keys grow with time and an index of
 * them grows at its end, and a number compares in one step where the id's string compares character by character
 * past a long common prefix: an index of ids cost H2 a quarter to a third of what a row costs (performance.md,
 * session 15). Not unique (ids with the same first ten characters share it), so every lookup also compares the id.
 * Version 6 keeps each chunk's smallest and largest key (Chunks#holding).
 *
 * <p>The migration computes the same number in SQL, so the two must not drift: an id's characters that are not
 * base62, or missing past its end, count as 0, and an id without a shard prefix ({@code msg_<random>}, layout 2) is
 * read from its fifth character.
 */
final class MessageKey {
  static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  /** 62^10 is below 2^63: ten digits always fit. */
  static final int DIGITS = 10;

  private MessageKey() {}

  static long of(String messageId) {
    int underscore = messageId.indexOf('_', 4);
    int from = underscore >= 0 ? underscore + 1 : 4;
    long key = 0;
    for (int i = 0; i < DIGITS; i++) {
      int at = from + i;
      int digit = at < messageId.length() ? BASE62.indexOf(messageId.charAt(at)) : -1;
      key = key * 62 + Math.max(digit, 0);
    }
    return key;
  }
}
