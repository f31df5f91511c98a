package dev.courier.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ApiException;
import dev.courier.model.StoredMessage;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageFilterTest {

  private static final String URL = "https://example.com/a/b?x=1";
  private static final long T = 1_700_000_000_000L;

  private static MultiMap params(String... nameValues) {
    MultiMap p = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < nameValues.length; i += 2) {
      p.add(nameValues[i], nameValues[i + 1]);
    }
    return p;
  }

  private static MessageFilter filter(String... nameValues) {
    return MessageFilter.from(params(nameValues));
  }

  @Test
  void emptyFilterMatchesEverything() {
    MessageFilter f = filter();
    assertTrue(f.matches(URL, "", "1.2.3.4", T));
    assertTrue(f.matches(URL, null, null, 0));
  }

  @ParameterizedTest
  @ValueSource(strings = {"labeel", "foo", "responseStatus", "state"})
  void unknownParameterIs400(String name) {
    ApiException e = assertThrows(ApiException.class, () -> filter(name, "x"));
    assertEquals(400, e.status());
    assertTrue(e.getMessage().contains(name), e.getMessage());
  }

  @Test
  void paginationAndTokenParametersAreAllowed() {
    MessageFilter f = filter("count", "100", "cursor", "c1", "order", "latestFirst", "qstash_token", "t", "api",
        "x");
    assertTrue(f.matches(URL, "", "ip", T));
  }

  @Test
  void urlValuesAreOred() {
    MessageFilter f = filter("url", URL, "url", "https://other.example/");
    assertTrue(f.matches(URL, "", "ip", T));
    assertTrue(f.matches("https://other.example/", "", "ip", T));
    assertFalse(f.matches("https://third.example/", "", "ip", T));
  }

  @Test
  void urlIsMatchedExactlyAndNotCommaSplit() {
    String withComma = "https://example.com/a,b";
    MessageFilter f = filter("url", withComma);
    assertTrue(f.matches(withComma, "", "ip", T));
    assertFalse(f.matches("https://example.com/a", "", "ip", T));
  }

  @Test
  void labelValuesAreOredAndCommaSplit() {
    MessageFilter repeated = filter("label", "a", "label", "b");
    MessageFilter joined = filter("label", "a,b");
    for (MessageFilter f : List.of(repeated, joined)) {
      assertTrue(f.matches(URL, "a", "ip", T));
      assertTrue(f.matches(URL, "x,b", "ip", T));
      assertFalse(f.matches(URL, "c", "ip", T));
      assertFalse(f.matches(URL, "", "ip", T));
      assertFalse(f.matches(URL, null, "ip", T));
    }
    assertEquals(List.of("a", "b"), joined.labels());
  }

  @Test
  void labelMatchesWholeLabelsOnly() {
    MessageFilter f = filter("label", "ab");
    assertFalse(f.matches(URL, "a,b", "ip", T));
    assertFalse(f.matches(URL, "abc", "ip", T));
    assertTrue(f.matches(URL, "x,ab", "ip", T));
  }

  @Test
  void differentFiltersAreAnded() {
    MessageFilter f = filter("url", URL, "label", "a");
    assertTrue(f.matches(URL, "a", "ip", T));
    assertFalse(f.matches(URL, "b", "ip", T));
    assertFalse(f.matches("https://other.example/", "a", "ip", T));
  }

  @Test
  void hostMatchesTheUrlHost() {
    MessageFilter f = filter("host", "example.com");
    assertTrue(f.matches(URL, "", "ip", T));
    assertTrue(f.matches("http://example.com:9000/x", "", "ip", T));
    assertFalse(f.matches("https://sub.example.com/a", "", "ip", T));
    assertFalse(f.matches("https://other.example/a", "", "ip", T));
  }

  @Test
  void hostWithAPortMatchesThatPortOnly() {
    MessageFilter f = filter("host", "example.com:9000");
    assertTrue(f.matches("http://example.com:9000/x", "", "ip", T));
    assertFalse(f.matches("http://example.com:9001/x", "", "ip", T));
    assertFalse(f.matches(URL, "", "ip", T));
  }

  /** Characters java.net.URI calls illegal (accepted at publish) do not break the filter. */
  @Test
  void urlsWithCharactersUriRefusesStillMatch() {
    assertTrue(filter("host", "example.com").matches("https://example.com/a|b?q={x}", "", "ip", T));
  }

  @Test
  void pathMatchesTheRawPathWithoutQuery() {
    MessageFilter f = filter("path", "/a/b");
    assertTrue(f.matches(URL, "", "ip", T));
    assertFalse(f.matches("https://example.com/a", "", "ip", T));
    assertFalse(f.matches("https://example.com/a/b/c", "", "ip", T));
    assertTrue(filter("path", "/a%20b").matches("https://example.com/a%20b", "", "ip", T));
  }

  @Test
  void hostAndPathAreAnded() {
    MessageFilter f = filter("host", "example.com", "path", "/a/b");
    assertTrue(f.matches(URL, "", "ip", T));
    assertFalse(f.matches("https://other.example/a/b", "", "ip", T));
    assertFalse(f.matches("https://example.com/z", "", "ip", T));
  }

  @Test
  void hostFilterDoesNotShortCircuitLaterChecks() {
    MessageFilter f = filter("host", "example.com", "label", "a");
    assertFalse(f.matches(URL, "b", "ip", T));
  }

  @Test
  void callerIpInBothSpellings() {
    assertTrue(filter("callerIp", "1.2.3.4").matches(URL, "", "1.2.3.4", T));
    assertFalse(filter("callerIp", "1.2.3.4").matches(URL, "", "5.6.7.8", T));
    assertTrue(filter("callerIP", "1.2.3.4").matches(URL, "", "1.2.3.4", T));
  }

  @Test
  void datesAreInclusive() {
    MessageFilter f = filter("fromDate", "" + T, "toDate", "" + (T + 1000));
    assertTrue(f.matches(URL, "", "ip", T));
    assertTrue(f.matches(URL, "", "ip", T + 500));
    assertTrue(f.matches(URL, "", "ip", T + 1000));
    assertFalse(f.matches(URL, "", "ip", T - 1));
    assertFalse(f.matches(URL, "", "ip", T + 1001));
  }

  @Test
  void openEndedDates() {
    assertTrue(filter("fromDate", "" + T).matches(URL, "", "ip", Long.MAX_VALUE));
    assertFalse(filter("fromDate", "" + T).matches(URL, "", "ip", T - 1));
    assertTrue(filter("toDate", "" + T).matches(URL, "", "ip", 0));
    assertFalse(filter("toDate", "" + T).matches(URL, "", "ip", T + 1));
  }

  @Test
  void scheduleIdMatchesTheMessagesOfThoseSchedules() {
    MessageFilter f = filter("scheduleId", "s1");
    assertFalse(f.matchesNothing());
    StoredMessage fromS1 = scheduled("s1");
    StoredMessage fromS2 = scheduled("s2");
    StoredMessage none = new StoredMessage(URL, "POST", "", 3, null, 1000, T, T, "ip", List.of(), Buffer.buffer());
    assertTrue(f.matches(fromS1));
    assertFalse(f.matches(fromS2));
    assertFalse(f.matches(none));
  }

  private static StoredMessage scheduled(String scheduleId) {
    return new StoredMessage(URL, "POST", "", 3, null, 1000, T, T, "ip", List.of(), Buffer.buffer(), null, null, null,
        null, null, null, scheduleId);
  }

  @Test
  void queueNameMatchesTheMessagesOfThoseQueues() {
    MessageFilter f = filter("queueName", "a");
    StoredMessage inA = new StoredMessage(URL, "POST", "", 3, null, 1000, T, T, "ip", List.of(), Buffer.buffer(), "a");
    StoredMessage inB = new StoredMessage(URL, "POST", "", 3, null, 1000, T, T, "ip", List.of(), Buffer.buffer(), "b");
    StoredMessage none = new StoredMessage(URL, "POST", "", 3, null, 1000, T, T, "ip", List.of(), Buffer.buffer());
    assertTrue(f.matches(inA));
    assertFalse(f.matches(inB));
    assertFalse(f.matches(none));
    assertTrue(filter("url", URL).matches(none), "no queue filter: queued or not");
  }

  @ParameterizedTest
  @ValueSource(strings = {"topicName", "urlGroup"})
  void topicNameMatchesTheMessagesOfThoseGroups(String name) {
    MessageFilter f = filter(name, "g");
    StoredMessage inG = new StoredMessage(URL, "POST", "", 3, null, 1000, T, T, "ip", List.of(), Buffer.buffer(), null,
        "g", "e1", null);
    StoredMessage inH = new StoredMessage(URL, "POST", "", 3, null, 1000, T, T, "ip", List.of(), Buffer.buffer(), null,
        "h", null, null);
    StoredMessage none = new StoredMessage(URL, "POST", "", 3, null, 1000, T, T, "ip", List.of(), Buffer.buffer());
    assertTrue(f.matches(inG));
    assertFalse(f.matches(inH));
    assertFalse(f.matches(none));
  }

  @Test
  void flowControlKeyMatchesTheMessagesOfThoseKeys() {
    MessageFilter f = filter("flowControlKey", "k");
    StoredMessage underK = new StoredMessage(URL, "POST", "", 3, null, 1000, T, T, "ip", List.of(), Buffer.buffer(),
        null, null, null, new dev.courier.model.FlowControl("k", 2, 0, 0));
    StoredMessage none = new StoredMessage(URL, "POST", "", 3, null, 1000, T, T, "ip", List.of(), Buffer.buffer());
    assertTrue(f.matches(underK));
    assertFalse(f.matches(none));
  }

  @ParameterizedTest
  @ValueSource(strings = {"fromDate", "toDate"})
  void badDateIs400(String name) {
    ApiException e = assertThrows(ApiException.class, () -> filter(name, "yesterday"));
    assertEquals(400, e.status());
    assertTrue(e.getMessage().contains(name), e.getMessage());
  }
}
