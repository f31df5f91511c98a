package dev.courier.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventFilterTest {

  private static EventFilter filter(String... nameValues) {
    MultiMap p = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < nameValues.length; i += 2) {
      p.add(nameValues[i], nameValues[i + 1]);
    }
    return EventFilter.from(p);
  }

  @Test
  void noParametersIsNoFilter() {
    assertTrue(filter().isEmpty());
    assertTrue(filter("count", "10", "cursor", "1-2", "order", "latestFirst", "qstash_token", "t").isEmpty());
  }

  @Test
  void apiIsAcceptedAndIgnored() {
    assertTrue(filter("api", "publish").isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"labeel", "responseStatus", "dlqId", "foo"})
  void unknownParametersAreRefusedByName(String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> filter(name, "x"));
    assertEquals("unknown log filter parameter: " + name, e.getMessage());
  }

  @Test
  void messageIdsComeRepeatedCommaSeparatedAndInBothSpellings() {
    assertEquals(List.of("m1", "m2", "m3"),
        filter("messageIds", "m1", "messageIds", "m2,m3", "messageId", "m1").messageIds());
  }

  @Test
  void inProgressIsActiveRetryAndErrorAndCancelledIsCanceled() {
    assertEquals(List.of("ACTIVE", "RETRY", "ERROR"), filter("state", "IN_PROGRESS").states());
    assertEquals(List.of("CANCELED"), filter("state", "CANCELLED").states());
    assertEquals(List.of("DELIVERED", "FAILED", "CANCELED"),
        filter("state", "DELIVERED,FAILED", "state", "CANCELED", "state", "CANCELLED").states());
    for (String s : List.of("CREATED", "ACTIVE", "RETRY", "ERROR", "DELIVERED", "FAILED", "CANCEL_REQUESTED",
        "CANCELED")) {
      assertEquals(List.of(s), filter("state", s).states());
    }
  }

  @Test
  void anUnknownStateIsRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> filter("state", "DONE"));
    assertTrue(e.getMessage().startsWith("invalid state: DONE"), e.getMessage());
  }

  @Test
  void urlGroupIsTopicNameAndCallerIpHasTwoSpellings() {
    EventFilter f = filter("urlGroup", "g1", "topicName", "g2,g3", "callerIP", "1.1.1.1", "callerIp", "2.2.2.2");
    assertEquals(List.of("g2", "g3", "g1"), f.topicNames());
    assertEquals(Set.of("1.1.1.1", "2.2.2.2"), Set.copyOf(f.callerIps()));
    assertEquals(2, f.callerIps().size());
  }

  @Test
  void urlsAndPathsAreNotSplitAtCommas() {
    EventFilter f = filter("url", "https://a.example/x?a=1,2", "path", "/a,b", "label", "l1,l2");
    assertEquals(List.of("https://a.example/x?a=1,2"), f.urls());
    assertEquals(List.of("/a,b"), f.paths());
    assertEquals(List.of("l1", "l2"), f.labels());
  }

  @Test
  void everyOtherFilterIsRead() {
    EventFilter f = filter("scheduleId", "s1", "queueName", "q1,q2", "flowControlKey", "k", "host", "a.example",
        "fromDate", "100", "toDate", "200");
    assertEquals(List.of("s1"), f.scheduleIds());
    assertEquals(List.of("q1", "q2"), f.queueNames());
    assertEquals(List.of("k"), f.flowControlKeys());
    assertEquals(List.of("a.example"), f.hosts());
    assertEquals(100L, f.fromDate());
    assertEquals(200L, f.toDate());
    assertNull(filter().fromDate());
  }

  @Test
  void aDateThatIsNotANumberIsRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> filter("fromDate", "yesterday"));
    assertTrue(e.getMessage().contains("fromDate"), e.getMessage());
  }
}
