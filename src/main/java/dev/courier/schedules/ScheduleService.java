package dev.courier.schedules;

import dev.courier.model.LimitExceededException;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.ScriptRunner;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Schedules in Redis (qstash-api.md §14): a hash each, a sorted set of those not paused by next fire time,
 * and a set of every id, all under one hash tag ({@link Keys#schedule}). Every change is one script, so that
 * what one node changes is what every node's scheduler reads at its next tick.
 *
 * <p>Futures fail with {@link LimitExceededException} past {@code schedules.max-schedules}, otherwise only
 * with Redis errors.
 */
public final class ScheduleService {
  /** The hash fields read back, in this order (HMGET). */
  private static final List<String> FIELDS = List.of("cron", "dest", "query", "hdrs", "body", "ip", "created", "queue",
      "view", "paused", "rev", "last", "next", "lastIds");
  /** Rounds of a resume racing with replacements of the same schedule before it gives up. */
  private static final int MAX_ATTEMPTS = 10;

  private final ScriptRunner scripts;
  private final Keys keys;
  private final int maxSchedules;

  public ScheduleService(ScriptRunner scripts, Keys keys, int maxSchedules) {
    this.scripts = scripts;
    this.keys = keys;
    this.maxSchedules = maxSchedules;
  }

  /** A due schedule and the fire time it is due at. */
  public record Due(Schedule schedule, long fireTime) {}

  /**
   * Creates the schedule or replaces every field of the one with its id (not paused, no last fire).
   *
   * @param next its first fire time, unix ms; -1 when its cron never fires
   * @return true when it was created, false when it replaced one
   */
  public Future<Boolean> put(Schedule s, long next) {
    List<Object> args = new ArrayList<>(List.of(s.id(), maxSchedules, next));
    field(args, "cron", s.cron());
    field(args, "dest", s.destination());
    field(args, "query", s.query());
    field(args, "hdrs", s.headers());
    args.add("body");
    args.add(s.body());
    field(args, "ip", s.callerIp());
    field(args, "created", s.createdAt());
    field(args, "queue", s.queueName());
    field(args, "view", s.view());
    if (next >= 0) {
      field(args, "next", next);
    }
    return scripts.run(LuaScript.PUT_SCHEDULE, List.of(keys.schedule(s.id()), keys.scheduleDue(), keys.scheduleIds()),
        args).compose(r -> r.toInteger() < 0
            ? Future.failedFuture(new LimitExceededException("too many schedules: the limit is " + maxSchedules
                + " (schedules.max-schedules); delete one first"))
            : Future.succeededFuture(r.toInteger() == 1));
  }

  private static void field(List<Object> args, String name, Object value) {
    if (value != null) {
      args.add(name);
      args.add(value);
    }
  }

  /** The schedule, null when there is none. */
  public Future<Schedule> get(String id) {
    Request req = Request.cmd(Command.HMGET).arg(keys.schedule(id));
    FIELDS.forEach(req::arg);
    return scripts.redis().send(req).map(r -> decode(id, r));
  }

  /** Every schedule, oldest first. */
  public Future<List<Schedule>> list() {
    return scripts.redis().send(Request.cmd(Command.SMEMBERS).arg(keys.scheduleIds())).compose(ids -> {
      List<Future<Schedule>> all = new ArrayList<>();
      for (Response id : ids) {
        all.add(get(id.toString()));
      }
      return Future.all(all).map(v -> all.stream().map(Future::result).filter(Objects::nonNull)
          .sorted(Comparator.comparingLong(Schedule::createdAt).thenComparing(Schedule::id)).toList());
    });
  }

  /** @return false when there was no such schedule */
  public Future<Boolean> delete(String id) {
    return scripts.run(LuaScript.REMOVE_SCHEDULE, List.of(keys.schedule(id), keys.scheduleDue(), keys.scheduleIds()),
        List.of(id)).map(r -> r.toInteger() == 1);
  }

  /** @return false when there is no such schedule */
  public Future<Boolean> pause(String id) {
    return scripts.run(LuaScript.SET_SCHEDULE_PAUSED, List.of(keys.schedule(id), keys.scheduleDue()),
        List.of(id, "1", "", -1)).map(r -> r.toInteger() == 1);
  }

  /**
   * Resumes at the first fire after {@code now}: ticks missed while paused are not fired.
   *
   * @return false when there is no such schedule
   */
  public Future<Boolean> resume(String id, long now) {
    return resume(id, now, 1);
  }

  private Future<Boolean> resume(String id, long now, int attempt) {
    return get(id).compose(s -> {
      if (s == null) {
        return Future.succeededFuture(false);
      }
      long next = CronSpec.parse(s.cron()).next(now);
      return scripts.run(LuaScript.SET_SCHEDULE_PAUSED, List.of(keys.schedule(id), keys.scheduleDue()),
          List.of(id, "0", s.rev(), next)).compose(r -> {
            int code = r.toInteger();
            if (code == -2 && attempt < MAX_ATTEMPTS) {
              return resume(id, now, attempt + 1); // replaced meanwhile: its new cron decides
            }
            if (code == -2) {
              return Future.failedFuture(new IllegalStateException("schedule " + id + " kept changing during resume"));
            }
            return Future.succeededFuture(code == 1);
          });
    });
  }

  /** Up to {@code limit} schedules due at {@code now}, most overdue first. */
  public Future<List<Due>> due(long now, int limit) {
    return scripts.redis().send(Request.cmd(Command.ZRANGE).arg(keys.scheduleDue()).arg("-inf").arg(now)
        .arg("BYSCORE").arg("LIMIT").arg(0).arg(limit).arg("WITHSCORES")).compose(r -> {
          List<String> ids = new ArrayList<>();
          List<Long> times = new ArrayList<>();
          readScores(r, ids, times);
          List<Future<Schedule>> read = new ArrayList<>();
          ids.forEach(id -> read.add(get(id)));
          return Future.all(read).map(v -> {
            List<Due> due = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
              Schedule s = read.get(i).result();
              if (s != null) {
                due.add(new Due(s, times.get(i)));
              }
            }
            return due;
          });
        });
  }

  /** WITHSCORES answers pairs in RESP3 and a flat list in RESP2. */
  private static void readScores(Response r, List<String> ids, List<Long> times) {
    if (r.size() > 0 && r.get(0).size() == 2) {
      for (Response pair : r) {
        ids.add(pair.get(0).toString());
        times.add((long) Double.parseDouble(pair.get(1).toString()));
      }
      return;
    }
    for (int i = 0; i + 1 < r.size(); i += 2) {
      ids.add(r.get(i).toString());
      times.add((long) Double.parseDouble(r.get(i + 1).toString()));
    }
  }

  /**
   * Claims the fire of {@code s} at {@code fireTime} and moves it to {@code next} (claimSchedule-2.lua).
   *
   * @return true when this caller won the fire and must publish it
   */
  public Future<Boolean> claim(Schedule s, long fireTime, long next) {
    return scripts.run(LuaScript.CLAIM_SCHEDULE, List.of(keys.schedule(s.id()), keys.scheduleDue()),
        List.of(s.id(), fireTime, s.rev(), next)).map(r -> r.toInteger() == 1);
  }

  /** Records what a claimed fire published, unless the schedule changed or fired again since. */
  public Future<Void> recordFire(String id, long fireTime, List<String> messageIds) {
    return scripts.run(LuaScript.RECORD_FIRE, List.of(keys.schedule(id)), List.of(fireTime,
        String.join(",", messageIds))).mapEmpty();
  }

  private static Schedule decode(String id, Response r) {
    if (r == null || r.size() < FIELDS.size() || r.get(0) == null) {
      return null; // deleted between the listing and the read, or never there
    }
    String lastIds = string(r.get(13));
    return new Schedule(id, string(r.get(0)), string(r.get(1)), string(r.get(2)), string(r.get(3)),
        r.get(4) == null ? Buffer.buffer() : r.get(4).toBuffer(), string(r.get(5)), number(r.get(6)),
        string(r.get(7)), string(r.get(8)), "1".equals(string(r.get(9))), number(r.get(10)), optional(r.get(11)),
        optional(r.get(12)), lastIds == null || lastIds.isEmpty() ? null : Arrays.asList(lastIds.split(",")));
  }

  private static String string(Response r) {
    return r == null ? null : r.toString();
  }

  private static long number(Response r) {
    return r == null ? 0 : Long.parseLong(r.toString());
  }

  private static Long optional(Response r) {
    return r == null ? null : Long.parseLong(r.toString());
  }
}
