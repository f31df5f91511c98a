package dev.courier.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A DLQ page is cut by what its dead letters weigh as JSON, not by their length in characters. */
class DeadLetterSizeTest {
  private static long encodedBytes(String text) {
    return new JsonObject().put("k", text).encode().getBytes(StandardCharsets.UTF_8).length - "{\"k\":\"\"}".length();
  }

  @Test
  void controlCharactersWeighWhatTheirEscapesWeigh() {
    String controls = "\u0001".repeat(1000);
    assertEquals(6000, DeadLetterService.jsonLength(controls));
    assertEquals(encodedBytes(controls), DeadLetterService.jsonLength(controls));
    assertEquals(1000, DeadLetterService.jsonLength("a".repeat(1000)));
  }

  @Test
  void theWeightIsNeverBelowTheEncodedSize() {
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < 200; i++) {
        text.append((char) switch (random.nextInt(5)) {
          case 0 -> random.nextInt(0x20);
          case 1 -> "\"\\/".charAt(random.nextInt(3));
          case 2 -> 0x80 + random.nextInt(0x780);
          case 3 -> 0x800 + random.nextInt(0xD000 - 0x800);
          default -> 0x20 + random.nextInt(0x5f);
        });
      }
      String s = text.toString();
      assertTrue(DeadLetterService.jsonLength(s) >= encodedBytes(s), s);
    }
  }
}
