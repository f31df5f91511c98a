package dev.courier.schedules;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * A schedule's {@code Upstash-Cron} (qstash-api.md §14): five UNIX cron fields, in UTC unless a
 * {@code CRON_TZ=<IANA zone>} prefix names a zone. cron-utils parses the fields and finds the next fire;
 * the prefix is ours, because cron-utils' UNIX definition has no notion of a zone.
 *
 * <p>Daylight saving time follows our rule, pinned by a test and written in docs/api-decisions.md (cron-utils
 * alone skips the day clocks go forward for a wall time in the gap): the cron is matched against wall-clock
 * times of its zone, and each matching wall time fires once. A wall time that does not exist that day fires
 * shifted forward by the gap (02:30 becomes 03:30 when 02:00 jumps to 03:00); one that happens twice when
 * clocks go back fires at its first occurrence only.
 *
 * @param text the cron as stored and shown: trimmed, prefix included
 */
public record CronSpec(String text, ZoneId zone, ExecutionTime execution) {
  private static final String PREFIX = "CRON_TZ=";
  /** Bounds the walk through a repeated hour: a minute-level cron has 60 wall times in it. */
  private static final int MAX_STEPS = 1_000;
  private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  /** A cron that is not one: the API answers 400 with the message. */
  public static final class InvalidCronException extends RuntimeException {
    InvalidCronException(String message) {
      super(message, null, false, false);
    }
  }

  /** @throws InvalidCronException naming what is wrong (the zone, or the fields) */
  public static CronSpec parse(String raw) {
    if (raw == null || raw.isBlank()) {
      throw new InvalidCronException("Upstash-Cron is required: five fields (minute hour day-of-month month"
          + " day-of-week), optionally prefixed with CRON_TZ=<IANA zone>");
    }
    String text = raw.trim();
    String fields = text;
    ZoneId zone = ZoneOffset.UTC;
    if (text.startsWith(PREFIX)) {
      int space = firstSpace(text);
      if (space < 0) {
        throw new InvalidCronException("invalid Upstash-Cron: CRON_TZ=<zone> must be followed by five fields");
      }
      String name = text.substring(PREFIX.length(), space);
      // Region ids only (Europe/Berlin, UTC): a bare offset is no IANA zone and would hide DST from the user.
      if (!ZoneId.getAvailableZoneIds().contains(name)) {
        throw new InvalidCronException("invalid Upstash-Cron: unknown time zone '" + name
            + "' in CRON_TZ (expected an IANA zone such as Europe/Berlin or America/New_York)");
      }
      zone = ZoneId.of(name);
      fields = text.substring(space).trim();
      text = PREFIX + name + " " + fields;
    }
    fields = fields.replaceAll("\\s+", " ");
    if (fields.split(" ").length != 5) {
      throw new InvalidCronException("invalid Upstash-Cron '" + fields + "': expected five fields (minute hour"
          + " day-of-month month day-of-week)");
    }
    try {
      var cron = PARSER.parse(fields).validate();
      return new CronSpec(text, zone, ExecutionTime.forCron(cron));
    } catch (IllegalArgumentException e) {
      throw new InvalidCronException("invalid Upstash-Cron '" + fields + "': " + e.getMessage());
    } catch (RuntimeException e) {
      // cron-utils fails on some malformed fields with other exceptions ("1-5/": an index out of bounds)
      throw new InvalidCronException("invalid Upstash-Cron '" + fields + "': a field is not a number, a range, a"
          + " step or a list");
    }
  }

  /** The first fire strictly after {@code afterMs} (unix ms); -1 when the cron never fires again. */
  public long next(long afterMs) {
    // Wall times are walked as if they were UTC (no gaps, no repeats), then placed in the zone: a time in a
    // gap is shifted forward by it, a repeated one takes its earlier offset. A wall time whose instant is not
    // after afterMs (the second pass through a repeated hour) was fired already: the walk goes on.
    LocalDateTime wall = LocalDateTime.ofInstant(Instant.ofEpochMilli(afterMs), zone);
    for (int i = 0; i < MAX_STEPS; i++) {
      Optional<ZonedDateTime> next = execution.nextExecution(wall.atZone(ZoneOffset.UTC));
      if (next.isEmpty()) {
        return -1;
      }
      wall = next.get().toLocalDateTime();
      long at = ZonedDateTime.ofLocal(wall, zone, null).toInstant().toEpochMilli();
      if (at > afterMs) {
        return at;
      }
    }
    return -1;
  }

  private static int firstSpace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }
}
