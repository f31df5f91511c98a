package dev.courier.api;

import dev.courier.eventlog.EventFilter;
import dev.courier.eventlog.EventStore;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /v2/events} (answers {@code events}, what the official client's {@code logs()} reads) and
 * {@code GET /v2/logs} (the same page under {@code logs}): the event log, filtered (qstash-api.md §5.8, §6, §12),
 * newest first unless {@code order=earliestFirst}, at most {@code count} (≤ 1000, default 100) per page, with a
 * cursor on every page but the last. With {@code event-log.enabled: false} both answer 501.
 */
final class EventsHandler {
  static final int MAX_COUNT = 1000;
  static final int DEFAULT_COUNT = 100;

  /** Null when the event log is off. */
  private final EventStore store;

  EventsHandler(EventStore store) {
    this.store = store;
  }

  void events(RoutingContext ctx) {
    page(ctx, "events");
  }

  void logs(RoutingContext ctx) {
    page(ctx, "logs");
  }

  private void page(RoutingContext ctx, String field) {
    if (store == null) {
      throw new ApiException(501, "the event log is off on this server (event-log.enabled: false)");
    }
    MultiMap params = ctx.queryParams();
    EventFilter filter;
    try {
      filter = EventFilter.from(params);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    int count = count(params.get("count"));
    boolean newestFirst = newestFirst(params.get("order"));
    store.query(filter, count, params.get("cursor"), newestFirst).onSuccess(page -> {
      JsonObject out = new JsonObject();
      if (page.cursor() != null) {
        out.put("cursor", page.cursor());
      }
      Json.send(ctx, 200, out.put(field, new JsonArray(page.entries())));
    }).onFailure(err -> ctx.fail(err instanceof IllegalArgumentException ? ApiException.badRequest(err.getMessage())
        : err));
  }

  static int count(String value) {
    if (value == null) {
      return DEFAULT_COUNT;
    }
    int count;
    try {
      count = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid count: not a whole number");
    }
    if (count < 1 || count > MAX_COUNT) {
      throw ApiException.badRequest("invalid count: must be between 1 and " + MAX_COUNT);
    }
    return count;
  }

  /** qstash-api.md §6 leaves {@code order}'s values open: earliestFirst and latestFirst (the default). */
  static boolean newestFirst(String order) {
    if (order == null || order.equals("latestFirst")) {
      return true;
    }
    if (order.equals("earliestFirst")) {
      return false;
    }
    throw ApiException.badRequest("invalid order: earliestFirst or latestFirst, not '" + order + "'");
  }
}
