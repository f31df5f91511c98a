package dev.courier.api;

import dev.courier.model.HeaderCodec;
import dev.courier.model.Ids;
import dev.courier.schedules.CronSpec;
import dev.courier.schedules.Schedule;
import dev.courier.schedules.ScheduleService;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /v2/schedules} (qstash-api.md §2 rows 14-19, §5.5, §14): create (or replace), list, get, delete, pause
 * and resume, the last two by PATCH or POST. A create is checked by parsing its request as a publish, so a
 * schedule that stores is one whose every fire can be published; the request is stored as it came and parsed
 * again at each fire ({@link ScheduledPublisher}).
 */
final class SchedulesHandler {
  static final String PREFIX = "/v2/schedules/";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  /** {@code <id>/pause} or {@code <id>/resume} after the prefix: no URL and no URL group name looks like it. */
  private static final Pattern ACTION = Pattern.compile("([A-Za-z0-9._-]+)/(pause|resume)");
  /** The schedule's own headers: kept as fields, not with the request each fire repeats. */
  private static final Set<String> SCHEDULE_HEADERS = Set.of("upstash-cron", "upstash-schedule-id",
      "upstash-queue-name");
  /** Never stored: the token, and what describes the hop to Courier rather than the message. */
  private static final Set<String> NOT_STORED = Set.of("authorization", "host", "content-length",
      "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "expect", "proxy-authorization",
      "proxy-connection");
  /**
   * Documented publish options that mean nothing for a message created again every tick: refused, naming them,
   * rather than accepted and ignored (docs/api-decisions.md).
   */
  private static final Map<String, String> REFUSED = Map.of(
      "upstash-deduplication-id", "Upstash-Deduplication-Id",
      "upstash-content-based-deduplication", "Upstash-Content-Based-Deduplication",
      "upstash-not-before", "Upstash-Not-Before");

  private final ScheduleService schedules;
  private final PublishRequest parser;
  private final ScheduleView view;
  private final Clock clock;

  SchedulesHandler(ScheduleService schedules, PublishRequest parser, ScheduleView view, Clock clock) {
    this.schedules = schedules;
    this.parser = parser;
    this.view = view;
    this.clock = clock;
  }

  /** {@code POST /v2/schedules/<destination>}, or the POST form of pause and resume. */
  void post(RoutingContext ctx) {
    String path = ctx.request().path();
    String rest = path.substring(path.indexOf(PREFIX) + PREFIX.length());
    Matcher action = ACTION.matcher(rest);
    if (action.matches()) {
      setPaused(ctx, action.group(1), action.group(2).equals("pause"));
    } else {
      create(ctx, rest);
    }
  }

  private void create(RoutingContext ctx, String destination) {
    MultiMap in = ctx.request().headers();
    String rawQuery = ctx.request().query();
    // As for a publish, options may come as upstash-* query parameters (webhook mode); a header wins.
    PublishOptions opts = new PublishOptions(in);
    opts.query(rawQuery);
    CronSpec cron = cron(opts.get("upstash-cron"));
    String id = opts.get("upstash-schedule-id");
    if (id == null) {
      id = Ids.scheduleId();
    } else if (!ID.matcher(id).matches()) {
      throw ApiException.badRequest("invalid Upstash-Schedule-Id: use 1 to 128 of the characters A-Z a-z 0-9 . _ -");
    }
    String queue = opts.get("upstash-queue-name");
    if (queue != null) {
      queue = QueuesHandler.name(queue.trim());
    }
    String query = storedQuery(rawQuery);
    for (String name : opts.names().stream().map(n -> n.toLowerCase(Locale.ROOT)).toList()) {
      String refused = REFUSED.get(name);
      if (refused != null) {
        throw ApiException.badRequest(refused + " is not supported on a schedule: each fire is a new message, and"
            + " a fixed deduplication id or time would drop or misplace every fire after the first; the schedule"
            + " was not stored (docs/api-decisions.md)");
      }
    }
    Map<String, List<String>> stored = new LinkedHashMap<>();
    MultiMap kept = MultiMap.caseInsensitiveMultiMap();
    for (var h : in) {
      String lower = h.getKey().toLowerCase(Locale.ROOT);
      if (!NOT_STORED.contains(lower) && !SCHEDULE_HEADERS.contains(lower)) {
        stored.computeIfAbsent(h.getKey(), k -> new java.util.ArrayList<>()).add(h.getValue());
        kept.add(h.getKey(), h.getValue());
      }
    }
    Buffer body = ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
    String ip = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    long now = clock.millis();
    // Every rule of a publish, now: a schedule whose fires could not be published is refused with the 400
    // a publish would get.
    ParsedPublish parsed = parser.parsePublish(destination, query, kept, body, ip, now, queue);
    long next = cron.next(now);
    Schedule s = Schedule.create(id, cron.text(), destination, query,
        HeaderCodec.encode(stored), body, ip, now, queue, ScheduleView.options(parsed, now).encode());
    String scheduleId = id;
    schedules.put(s, next)
        .onSuccess(created -> Json.send(ctx, 200, new io.vertx.core.json.JsonObject().put("scheduleId", scheduleId)))
        .onFailure(ctx::fail);
  }

  /**
   * The raw query as stored, what each fire parses again: without {@code qstash_token} (the token must not sit
   * in Redis) and the schedule's own options (kept as fields); null when nothing is left.
   */
  static String storedQuery(String query) {
    if (query == null || query.isEmpty()) {
      return null;
    }
    List<String> kept = new java.util.ArrayList<>();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
      if (!pair.isEmpty() && !key.equals("qstash_token") && !SCHEDULE_HEADERS.contains(key)) {
        kept.add(pair);
      }
    }
    return kept.isEmpty() ? null : String.join("&", kept);
  }

  private static String decode(String s) {
    try {
      return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  private static CronSpec cron(String raw) {
    try {
      return CronSpec.parse(raw);
    } catch (CronSpec.InvalidCronException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  void list(RoutingContext ctx) {
    schedules.list().compose(view::render)
        .onSuccess(all -> Json.send(ctx, 200, new JsonArray(all)))
        .onFailure(ctx::fail);
  }

  void get(RoutingContext ctx) {
    String id = id(ctx.pathParam("id"));
    schedules.get(id).compose(s -> s == null ? io.vertx.core.Future.failedFuture(notFound(id)) : view.render(s))
        .onSuccess(json -> Json.send(ctx, 200, json))
        .onFailure(ctx::fail);
  }

  void delete(RoutingContext ctx) {
    String id = id(ctx.pathParam("id"));
    schedules.delete(id).onSuccess(found -> {
      if (found) {
        ctx.response().setStatusCode(200).end();
      } else {
        ctx.fail(notFound(id));
      }
    }).onFailure(ctx::fail);
  }

  /** {@code PATCH /v2/schedules/<id>/pause}. */
  void pause(RoutingContext ctx) {
    setPaused(ctx, ctx.pathParam("id"), true);
  }

  /** {@code PATCH /v2/schedules/<id>/resume}. */
  void resume(RoutingContext ctx) {
    setPaused(ctx, ctx.pathParam("id"), false);
  }

  private void setPaused(RoutingContext ctx, String rawId, boolean paused) {
    String id = id(rawId);
    (paused ? schedules.pause(id) : schedules.resume(id, clock.millis())).onSuccess(found -> {
      if (found) {
        ctx.response().setStatusCode(200).end();
      } else {
        ctx.fail(notFound(id));
      }
    }).onFailure(ctx::fail);
  }

  private static String id(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw ApiException.badRequest("invalid schedule id: use 1 to 128 of the characters A-Z a-z 0-9 . _ -");
    }
    return id;
  }

  private static ApiException notFound(String id) {
    return ApiException.notFound("schedule " + id + " not found");
  }
}
