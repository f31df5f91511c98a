package dev.courier.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.model.Ids;
import org.junit.jupiter.api.Test;

class MessageKeyTest {

  @Test
  void theTenCharactersAfterTheShardPrefixReadAsBase62() {
    assertEquals(1, MessageKey.of("msg_3_0000000001"));
    assertEquals(62, MessageKey.of("msg_3_0000000010xyz"), "characters past the tenth do not count");
    assertEquals(61L * 62 * 62 * 62 * 62 * 62 * 62 * 62 * 62 * 62, MessageKey.of("msg_12_z000000000"));
    // without a shard prefix (layout 2): from the fifth character
    assertEquals(MessageKey.of("msg_1_AbCdEfGhIj"), MessageKey.of("msg_AbCdEfGhIj"));
  }

  @Test
  void missingAndNonBase62CharactersCountAsZero() {
    assertEquals(MessageKey.of("msg_1_a000000000"), MessageKey.of("msg_1_a"));
    assertEquals(MessageKey.of("msg_1_a0b0000000"), MessageKey.of("msg_1_a-b"));
    assertEquals(0, MessageKey.of("m"));
    assertEquals(0, MessageKey.of(""));
    // an underscore in the random part is past the prefix's: it counts as 0 like any other
    assertEquals(MessageKey.of("msg_1_x0yz"), MessageKey.of("msg_1_x_yz"));
  }

  @Test
  void keysOfLayout3IdsGrowWithTheirCreationTime() {
    long t = 1_796_000_000_000L;
    long previous = -1;
    for (int i = 0; i < 1000; i++) {
      long key = MessageKey.of("msg_" + (i % 16) + "_" + Ids.timeOrdered(24, t + i));
      assertTrue(key > previous, "the key of a later id is larger whatever its shard");
      previous = key;
    }
    // Ids of one millisecond differ in the three random characters the key holds (238 328 values): of 1000, about
    // 2 pairs share a key; a lookup compares the id as well.
    java.util.Set<Long> keys = new java.util.HashSet<>();
    for (int i = 0; i < 1000; i++) {
      keys.add(MessageKey.of("msg_3_" + Ids.timeOrdered(24, t)));
    }
    assertTrue(keys.size() >= 980, keys.size() + " distinct keys");
  }
}
