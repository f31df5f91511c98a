package dev.courier.dlq;

import static dev.courier.model.FilterValues.commaSplit;
import static dev.courier.model.FilterValues.date;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The filter of a DLQ list, bulk delete or bulk retry (qstash-api.md §6, §11): the values of one filter
 * are ORed, filters are ANDed; unknown parameters, {@code host} and {@code path} (which the DLQ does not
 * take) are refused. It is evaluated on a dead letter as the API shows it, with its failure time.
 *
 * @param failedFrom inclusive bounds on the time the message failed (unix ms), null when open
 * @param matchesNothing a filter on something no dead letter has (a state other than FAILED)
 */
public record DeadLetterFilter(List<String> messageIds, List<String> urls, List<String> topicNames,
    List<String> queueNames, List<String> flowControlKeys, List<String> labels, List<String> callerIps,
    List<Integer> responseStatuses, Long failedFrom, Long failedTo, boolean matchesNothing,
    List<String> scheduleIds) {

  public DeadLetterFilter(List<String> messageIds, List<String> urls, List<String> topicNames,
      List<String> queueNames, List<String> flowControlKeys, List<String> labels, List<String> callerIps,
      List<Integer> responseStatuses, Long failedFrom, Long failedTo, boolean matchesNothing) {
    this(messageIds, urls, topicNames, queueNames, flowControlKeys, labels, callerIps, responseStatuses, failedFrom,
        failedTo, matchesNothing, List.of());
  }

  /** Parameters that are not filters. */
  public static final Set<String> CONTROL = Set.of("count", "cursor", "order", "qstash_token");
  private static final Set<String> FILTERS = Set.of("messageId", "url", "topicName", "urlGroup", "queueName",
      "scheduleId", "flowControlKey", "label", "callerIp", "callerIP", "responseStatus", "fromDate", "toDate",
      "state", "api");
  /** The states of §12; a dead letter is FAILED. */
  private static final Set<String> STATES = Set.of("CREATED", "ACTIVE", "RETRY", "ERROR", "DELIVERED", "FAILED",
      "CANCEL_REQUESTED", "CANCELED", "CANCELLED", "IN_PROGRESS");

  public static final DeadLetterFilter NONE = new DeadLetterFilter(List.of(), List.of(), List.of(), List.of(),
      List.of(), List.of(), List.of(), List.of(), null, null, false);

  /** @throws IllegalArgumentException naming the parameter that is unknown or malformed */
  public static DeadLetterFilter from(MultiMap params, Set<String> alsoAllowed) {
    for (String name : params.names()) {
      if (name.equals("host") || name.equals("path")) {
        throw new IllegalArgumentException("the dlq does not filter by " + name + "; filter by url instead");
      }
      if (!FILTERS.contains(name) && !CONTROL.contains(name) && !alsoAllowed.contains(name)) {
        throw new IllegalArgumentException("unknown dlq filter parameter: " + name);
      }
    }
    boolean nothing = false;
    for (String state : commaSplit(params.getAll("state"))) {
      if (!STATES.contains(state)) {
        throw new IllegalArgumentException("invalid state: " + state);
      }
      nothing |= !state.equals("FAILED");
    }
    List<Integer> statuses = new ArrayList<>();
    for (String s : commaSplit(params.getAll("responseStatus"))) {
      try {
        statuses.add(Integer.parseInt(s));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid responseStatus: " + s + " is not an HTTP status");
      }
    }
    List<String> topics = new ArrayList<>(params.getAll("topicName"));
    topics.addAll(params.getAll("urlGroup"));
    List<String> ips = new ArrayList<>(params.getAll("callerIp"));
    ips.addAll(params.getAll("callerIP"));
    return new DeadLetterFilter(commaSplit(params.getAll("messageId")), params.getAll("url"), commaSplit(topics),
        commaSplit(params.getAll("queueName")), commaSplit(params.getAll("flowControlKey")),
        commaSplit(params.getAll("label")), commaSplit(ips), statuses, date(params.get("fromDate"), "fromDate"),
        date(params.get("toDate"), "toDate"), nothing, commaSplit(params.getAll("scheduleId")));
  }

  /** Whether it filters at all: without a filter every dead letter matches, and nothing needs reading to know. */
  public boolean isEmpty() {
    return equals(NONE);
  }

  /** @param item a dead letter as {@link DeadLetterService} renders it */
  public boolean matches(JsonObject item, long failedAt) {
    if (matchesNothing) {
      return false;
    }
    if (failedFrom != null && failedAt < failedFrom || failedTo != null && failedAt > failedTo) {
      return false;
    }
    return among(messageIds, item.getString("messageId")) && among(urls, item.getString("url"))
        && among(topicNames, item.getString("topicName")) && among(queueNames, item.getString("queueName"))
        && among(flowControlKeys, item.getString("flowControlKey")) && among(scheduleIds, item.getString("scheduleId")) && among(callerIps, item.getString("callerIp"))
        && (responseStatuses.isEmpty() || responseStatuses.contains(item.getInteger("responseStatus")))
        && (labels.isEmpty() || anyLabel(item.getJsonArray("labels")));
  }

  private static boolean among(List<String> wanted, String value) {
    return wanted.isEmpty() || wanted.contains(value);
  }

  private boolean anyLabel(JsonArray have) {
    return have != null && labels.stream().anyMatch(have::contains);
  }
}
