package dev.courier.messages;

import dev.courier.api.ApiException;
import dev.courier.api.Urls;
import dev.courier.model.FilterValues;
import dev.courier.model.StoredMessage;
import io.vertx.core.MultiMap;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The filter of a bulk cancel (qstash-api.md §6): values of one filter are ORed, filters are ANDed;
 * unknown parameters are rejected.
 */
public record MessageFilter(List<String> urls, List<String> labels, List<String> hosts, List<String> paths,
    List<String> callerIps, Long fromDate, Long toDate, boolean matchesNothing, List<String> queueNames,
    List<String> topicNames, List<String> flowControlKeys, List<String> scheduleIds) {

  public MessageFilter(List<String> urls, List<String> labels, List<String> hosts, List<String> paths,
      List<String> callerIps, Long fromDate, Long toDate, boolean matchesNothing, List<String> queueNames,
      List<String> topicNames, List<String> flowControlKeys) {
    this(urls, labels, hosts, paths, callerIps, fromDate, toDate, matchesNothing, queueNames, topicNames,
        flowControlKeys, List.of());
  }

  public MessageFilter(List<String> urls, List<String> labels, List<String> hosts, List<String> paths,
      List<String> callerIps, Long fromDate, Long toDate, boolean matchesNothing, List<String> queueNames) {
    this(urls, labels, hosts, paths, callerIps, fromDate, toDate, matchesNothing, queueNames, List.of(), List.of());
  }

  public MessageFilter(List<String> urls, List<String> labels, List<String> hosts, List<String> paths,
      List<String> callerIps, Long fromDate, Long toDate, boolean matchesNothing) {
    this(urls, labels, hosts, paths, callerIps, fromDate, toDate, matchesNothing, List.of());
  }

  private static final Set<String> ALLOWED = Set.of("url", "label", "host", "path", "callerIp", "callerIP", "fromDate",
      "toDate", "topicName", "urlGroup", "scheduleId", "queueName", "flowControlKey", "api", "count", "cursor",
      "order", "qstash_token", "messageIds", "messageId");

  public static MessageFilter from(MultiMap params) {
    for (String name : params.names()) {
      if (!ALLOWED.contains(name)) {
        throw ApiException.badRequest("unknown filter parameter: " + name);
      }
    }
    List<String> topics = new ArrayList<>(params.getAll("topicName"));
    topics.addAll(params.getAll("urlGroup"));
    List<String> ips = new ArrayList<>(params.getAll("callerIp"));
    ips.addAll(params.getAll("callerIP"));
    return new MessageFilter(params.getAll("url"), commaSplit(params.getAll("label")), params.getAll("host"),
        params.getAll("path"), ips, date(params.get("fromDate"), "fromDate"), date(params.get("toDate"), "toDate"),
        false, params.getAll("queueName"), topics, params.getAll("flowControlKey"),
        commaSplit(params.getAll("scheduleId")));
  }

  private static List<String> commaSplit(List<String> values) {
    return FilterValues.commaSplit(values);
  }

  private static Long date(String v, String name) {
    try {
      return FilterValues.date(v, name);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  public boolean matches(StoredMessage m) {
    if (!queueNames.isEmpty() && !queueNames.contains(m.queueName())) {
      return false;
    }
    if (!topicNames.isEmpty() && !topicNames.contains(m.topicName())) {
      return false;
    }
    if (!scheduleIds.isEmpty() && !scheduleIds.contains(m.scheduleId())) {
      return false;
    }
    if (!flowControlKeys.isEmpty() && (m.flowControl() == null || !flowControlKeys.contains(m.flowControl().key()))) {
      return false;
    }
    return matches(m.url(), String.join(",", m.labels()), m.callerIp(), m.createdAt());
  }

  public boolean matches(String url, String messageLabels, String callerIp, long createdAt) {
    if (matchesNothing) {
      return false;
    }
    if (!urls.isEmpty() && !urls.contains(url)) {
      return false;
    }
    if (!labels.isEmpty()) {
      List<String> mine = messageLabels == null ? List.of() : List.of(labelsOf(messageLabels));
      if (this.labels.stream().noneMatch(mine::contains)) {
        return false;
      }
    }
    if (!callerIps.isEmpty() && !callerIps.contains(callerIp)) {
      return false;
    }
    if (fromDate != null && createdAt < fromDate || toDate != null && createdAt > toDate) {
      return false;
    }
    if (!hosts.isEmpty() || !paths.isEmpty()) {
      URI uri = URI.create(Urls.lenientForParsing(url));
      if (!hosts.isEmpty()) {
        // The host name, or host:port as Go's URL.Host has it when the URL names a port.
        String host = Urls.host(uri);
        if (!hosts.contains(host) && !(uri.getPort() >= 0 && hosts.contains(host + ":" + uri.getPort()))) {
          return false;
        }
      }
      return paths.isEmpty() || paths.contains(uri.getRawPath());
    }
    return true;
  }

  private static String[] labelsOf(String joined) {
    return joined.isEmpty() ? new String[0] : joined.split(",");
  }
}
