package dev.courier.api;

import dev.courier.dlq.DeadLetterFilter;
import dev.courier.dlq.DeadLetterService;
import dev.courier.messages.MessageService;
import dev.courier.messages.MessageView;
import dev.courier.model.Redaction;
import dev.courier.schedules.Schedule;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A schedule in the API's JSON shape (qstash-api.md §5.5). The publish options are rendered once, when the
 * schedule is created ({@link #options}); the state (paused, last and next fire, the last fire's messages) is
 * read each time. {@code lastScheduleStates} is derived: a message still stored is IN_PROGRESS, one in the
 * DLQ is FAIL, any other is SUCCESS (delivered, or cancelled: Courier keeps no record of which).
 */
final class ScheduleView {
  /** DLQ pages read to tell FAIL from SUCCESS; a DLQ larger than this may show a failure as SUCCESS. */
  private static final int DLQ_PAGES = 3;

  private final MessageService messages;
  private final DeadLetterService deadLetters;

  ScheduleView(MessageService messages, DeadLetterService deadLetters) {
    this.messages = messages;
    this.deadLetters = deadLetters;
  }

  /** The fields of a schedule that come from its publish headers. */
  static JsonObject options(ParsedPublish p, long now) {
    // The URL as a publish delivers to it (its own query kept, upstash-* options and the token removed).
    JsonObject json = new JsonObject().put("destination", p.url() != null ? p.url() : p.group())
        .put("method", p.method());
    Redaction r = p.redaction();
    var headers = r == null ? p.forwarded() : r.apply(p.forwarded());
    JsonObject header = new JsonObject();
    headers.forEach((name, values) -> header.put(name, new JsonArray(values)));
    json.put("header", header);
    if (r != null && r.body() && p.body().length() > 0) {
      json.put("body", Redaction.redacted(p.body().getBytes()));
    } else {
      MessageView.putBody(json, "body", "bodyBase64", p.body());
    }
    json.put("retries", p.maxRetries());
    if (p.notBefore() > now) {
      json.put("delay", (p.notBefore() - now) / 1000); // seconds (qstash-api.md §5.5)
    }
    json.put("timeout", p.timeoutMs() / 1000);
    if (p.retryDelayExpression() != null) {
      json.put("retryDelayExpression", p.retryDelayExpression());
    }
    if (p.callbacks() != null && p.callbacks().callback() != null) {
      json.put("callback", p.callbacks().callback().url());
    }
    if (p.callbacks() != null && p.callbacks().failureCallback() != null) {
      json.put("failureCallback", p.callbacks().failureCallback().url());
    }
    if (p.flowControl() != null) {
      var fc = p.flowControl();
      json.put("flowControlKey", fc.key());
      if (fc.parallelism() > 0) {
        json.put("parallelism", fc.parallelism());
      }
      if (fc.rate() > 0) {
        json.put("rate", fc.rate()).put("period", fc.periodMs() / 1000);
      }
    }
    if (!p.labels().isEmpty()) {
      json.put("label", p.labels().get(0)).put("labels", new JsonArray(p.labels()));
    }
    return json;
  }

  Future<List<JsonObject>> render(List<Schedule> all) {
    List<Future<JsonObject>> out = new ArrayList<>();
    all.forEach(s -> out.add(render(s)));
    return Future.all(out).map(v -> out.stream().map(Future::result).toList());
  }

  Future<JsonObject> render(Schedule s) {
    JsonObject json = new JsonObject().put("scheduleId", s.id()).put("cron", s.cron()).put("createdAt", s.createdAt())
        .put("destination", s.destination());
    json.mergeIn(new JsonObject(s.view()));
    if (s.queueName() != null) {
      json.put("queueName", s.queueName());
    }
    json.put("isPaused", s.paused());
    if (s.callerIp() != null) {
      json.put("callerIp", s.callerIp()).put("callerIP", s.callerIp());
    }
    if (s.lastFire() != null) {
      json.put("lastScheduleTime", s.lastFire());
    }
    if (s.nextFire() != null && !s.paused()) {
      json.put("nextScheduleTime", s.nextFire());
    }
    if (s.lastMessageIds() == null) {
      return Future.succeededFuture(json);
    }
    return states(s.lastMessageIds()).map(states -> json.put("lastScheduleStates", states));
  }

  private Future<JsonObject> states(List<String> ids) {
    List<Future<JsonObject>> pending = new ArrayList<>();
    ids.forEach(id -> pending.add(messages.get(id)));
    return Future.all(pending).compose(v -> {
      JsonObject states = new JsonObject();
      List<String> gone = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        if (pending.get(i).result() != null) {
          states.put(ids.get(i), "IN_PROGRESS");
        } else {
          gone.add(ids.get(i));
        }
      }
      if (gone.isEmpty()) {
        return Future.succeededFuture(states);
      }
      MultiMap filter = MultiMap.caseInsensitiveMultiMap().add("messageId", String.join(",", gone));
      Set<String> failed = new HashSet<>();
      return failed(DeadLetterFilter.from(filter, Set.of()), null, DLQ_PAGES, failed).map(x -> {
        gone.forEach(id -> states.put(id, failed.contains(id) ? "FAIL" : "SUCCESS"));
        return states;
      });
    });
  }

  private Future<Void> failed(DeadLetterFilter filter, String cursor, int pages, Set<String> into) {
    return deadLetters.list(cursor, 100, filter).compose(page -> {
      page.getJsonArray("messages").forEach(m -> into.add(((JsonObject) m).getString("messageId")));
      String next = page.getString("cursor");
      return next == null || pages <= 1 ? Future.<Void>succeededFuture() : failed(filter, next, pages - 1, into);
    });
  }
}
