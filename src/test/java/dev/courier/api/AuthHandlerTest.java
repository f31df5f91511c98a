package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every configured token is accepted, and only those, whatever their lengths. */
class AuthHandlerTest {

  @Test
  void everyConfiguredTokenIsAcceptedAndNothingElse() {
    var auth = new AuthHandler(List.of("old-token", "new-token-that-is-longer", "x"));
    assertTrue(auth.accepts("old-token"));
    assertTrue(auth.accepts("new-token-that-is-longer"));
    assertTrue(auth.accepts("x"));
    for (String wrong : List.of("", "old", "old-token ", "old-tokenX", "OLD-TOKEN", "new-token", "xx",
        "old-token,new-token-that-is-longer")) {
      assertFalse(auth.accepts(wrong), wrong);
    }
  }

  @Test
  void aNodeWithoutTokenCannotBeBuilt() {
    assertThrows(IllegalArgumentException.class, () -> new AuthHandler(List.of()));
  }
}
