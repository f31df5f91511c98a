package dev.courier.eventlog;

import static dev.courier.model.FilterValues.commaSplit;
import static dev.courier.model.FilterValues.date;

import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The filter of {@code GET /v2/events} and {@code GET /v2/logs} (qstash-api.md §6, §12): the values of one filter
 * are ORed, filters are ANDed, an empty list does not filter. Everything but {@code messageIds}, {@code states},
 * {@code fromDate} and {@code toDate} is a property of the message, so an event whose message row is not stored
 * (a message created before the log existed) matches only filters on those.
 *
 * @param states the stored spellings: CANCELLED is read as CANCELED, IN_PROGRESS as ACTIVE, RETRY and ERROR
 * @param fromDate inclusive bounds on the event's time (unix ms), null when open
 */
public record EventFilter(List<String> messageIds, List<String> states, List<String> urls, List<String> topicNames,
    List<String> scheduleIds, List<String> queueNames, List<String> labels, List<String> callerIps,
    List<String> flowControlKeys, List<String> hosts, List<String> paths, Long fromDate, Long toDate) {

  /** Parameters that are not filters. */
  public static final Set<String> CONTROL = Set.of("count", "cursor", "order", "qstash_token");
  private static final Set<String> FILTERS = Set.of("messageId", "messageIds", "state", "url", "topicName",
      "urlGroup", "scheduleId", "queueName", "label", "callerIp", "callerIP", "flowControlKey", "host", "path",
      "fromDate", "toDate", "api");
  private static final List<String> STATES = List.of("CREATED", "ACTIVE", "RETRY", "ERROR", "DELIVERED", "FAILED",
      "CANCEL_REQUESTED", "CANCELED");

  public static final EventFilter NONE = new EventFilter(List.of(), List.of(), List.of(), List.of(), List.of(),
      List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null, null);

  public EventFilter {
    messageIds = List.copyOf(messageIds);
    states = List.copyOf(states);
    urls = List.copyOf(urls);
    topicNames = List.copyOf(topicNames);
    scheduleIds = List.copyOf(scheduleIds);
    queueNames = List.copyOf(queueNames);
    labels = List.copyOf(labels);
    callerIps = List.copyOf(callerIps);
    flowControlKeys = List.copyOf(flowControlKeys);
    hosts = List.copyOf(hosts);
    paths = List.copyOf(paths);
  }

  /**
   * Reads the query parameters of a log request; {@code api} (deprecated) is accepted and ignored.
   *
   * @throws IllegalArgumentException naming the parameter that is unknown or the value that is malformed
   */
  public static EventFilter from(MultiMap params) {
    for (String name : params.names()) {
      if (!FILTERS.contains(name) && !CONTROL.contains(name)) {
        throw new IllegalArgumentException("unknown log filter parameter: " + name);
      }
    }
    // URLs and paths may hold commas, so only repeated parameters give several of them (§6).
    return new EventFilter(split(params, "messageId", "messageIds"), states(params.getAll("state")),
        distinct(params.getAll("url")), split(params, "topicName", "urlGroup"), split(params, "scheduleId"),
        split(params, "queueName"), split(params, "label"), split(params, "callerIp", "callerIP"),
        split(params, "flowControlKey"), split(params, "host"), distinct(params.getAll("path")),
        date(params.get("fromDate"), "fromDate"), date(params.get("toDate"), "toDate"));
  }

  /** Whether it filters at all. */
  public boolean isEmpty() {
    return equals(NONE);
  }

  private static List<String> split(MultiMap params, String... names) {
    List<String> values = new ArrayList<>();
    for (String name : names) {
      values.addAll(params.getAll(name));
    }
    return distinct(commaSplit(values));
  }

  private static List<String> distinct(List<String> values) {
    return List.copyOf(new LinkedHashSet<>(values));
  }

  private static List<String> states(List<String> values) {
    Set<String> out = new LinkedHashSet<>();
    for (String state : commaSplit(values)) {
      switch (state) {
        case "IN_PROGRESS" -> out.addAll(List.of("ACTIVE", "RETRY", "ERROR"));
        // The openapi spelling; the SDKs and the log itself say CANCELED (§12).
        case "CANCELLED" -> out.add("CANCELED");
        default -> {
          if (!STATES.contains(state)) {
            throw new IllegalArgumentException("invalid state: " + state + " (one of " + String.join(", ", STATES)
                + ", CANCELLED or IN_PROGRESS)");
          }
          out.add(state);
        }
      }
    }
    return List.copyOf(out);
  }
}
