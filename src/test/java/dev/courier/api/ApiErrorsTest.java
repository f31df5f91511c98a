package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What an unexpected failure leaves in the log: never the request's URI, path or query. */
class ApiErrorsTest {
  private static final String PATH = "/v2/publish/https://user:secret@example.com/hook";
  private static final String QUERY = "qstash_token=tok-123&x=%zz";
  private static final String URI = PATH + "?" + QUERY;

  @Test
  void theRequestIsCutOutOfTheLoggedMessage() {
    var quotingUri = new IllegalArgumentException("invalid hex byte 'zz' at index 52 of '" + URI + "'");
    assertEquals("java.lang.IllegalArgumentException: invalid hex byte 'zz' at index 52 of '<uri>'",
        ApiErrors.redacted(quotingUri, URI, QUERY, PATH));

    var quotingParts = new IllegalStateException("bad " + PATH + " with " + QUERY);
    assertEquals("java.lang.IllegalStateException: bad <path> with <query>",
        ApiErrors.redacted(quotingParts, URI, QUERY, PATH));
  }

  @Test
  void shortPartsAndMessagesWithoutTheRequestStayAsTheyAre() {
    var redis = new RuntimeException("Connection refused: /127.0.0.1:6379");
    assertEquals("java.lang.RuntimeException: Connection refused: /127.0.0.1:6379",
        ApiErrors.redacted(redis, "/", null, "/"));
    assertEquals("java.lang.RuntimeException: null", ApiErrors.redacted(new RuntimeException(), URI, QUERY, PATH));
  }
}
