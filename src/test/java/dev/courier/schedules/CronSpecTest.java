package dev.courier.schedules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class CronSpecTest {
  private static long at(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }

  @Test
  void utcByDefaultAndTrimmed() {
    CronSpec c = CronSpec.parse("  */10 * * * * ");
    assertEquals("*/10 * * * *", c.text());
    assertEquals(at("2030-01-01T00:10:00Z"), c.next(at("2030-01-01T00:00:00Z")), "strictly after");
    assertEquals(at("2030-01-01T00:10:00Z"), c.next(at("2030-01-01T00:09:59.999Z")));
  }

  @Test
  void cronTzSelectsAZone() {
    CronSpec c = CronSpec.parse("CRON_TZ=America/New_York 0 4 * * *");
    assertEquals("CRON_TZ=America/New_York 0 4 * * *", c.text());
    assertEquals(ZoneId.of("America/New_York"), c.zone());
    assertEquals(at("2030-01-01T09:00:00Z"), c.next(at("2030-01-01T00:00:00Z")), "04:00 EST is 09:00 UTC");
  }

  @Test
  void badCronsAndZonesNameTheProblem() {
    var e = assertThrows(CronSpec.InvalidCronException.class, () -> CronSpec.parse("CRON_TZ=Mars/Base 0 4 * * *"));
    assertTrue(e.getMessage().contains("unknown time zone 'Mars/Base'"), e.getMessage());
    e = assertThrows(CronSpec.InvalidCronException.class, () -> CronSpec.parse("61 * * * *"));
    assertTrue(e.getMessage().startsWith("invalid Upstash-Cron '61 * * * *'"), e.getMessage());
    e = assertThrows(CronSpec.InvalidCronException.class, () -> CronSpec.parse("* * * *"));
    assertTrue(e.getMessage().contains("five fields"), e.getMessage());
    e = assertThrows(CronSpec.InvalidCronException.class, () -> CronSpec.parse("* * * * * *"));
    assertTrue(e.getMessage().contains("five fields"), e.getMessage());
    assertThrows(CronSpec.InvalidCronException.class, () -> CronSpec.parse(" "));
    // cron-utils itself fails on this one with an index out of bounds (found by ParserFuzzTest)
    e = assertThrows(CronSpec.InvalidCronException.class, () -> CronSpec.parse("1-5/ ** * @every 1m"));
    assertTrue(e.getMessage().startsWith("invalid Upstash-Cron '1-5/ ** * @every 1m'"), e.getMessage());
    assertThrows(CronSpec.InvalidCronException.class, () -> CronSpec.parse("CRON_TZ=UTC"));
  }

  /** docs/api-decisions.md, "Schedules and daylight saving time". */
  @Test
  void berlinAcrossBothTransitions() {
    CronSpec c = CronSpec.parse("CRON_TZ=Europe/Berlin 30 2 * * *");
    // 28 March 2027: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
    long before = at("2027-03-27T01:30:00Z"); // 02:30 CET on the 27th
    assertEquals(before, c.next(before - 1));
    long spring = c.next(before);
    assertEquals(at("2027-03-28T01:30:00Z"), spring, "once, at 03:30 CEST");
    assertEquals(at("2027-03-29T00:30:00Z"), c.next(spring), "then 02:30 CEST again");
    // 31 October 2027: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    long autumn = c.next(at("2027-10-30T12:00:00Z"));
    assertEquals(at("2027-10-31T00:30:00Z"), autumn, "once, at the first 02:30 (CEST)");
    assertEquals(at("2027-11-01T01:30:00Z"), c.next(autumn), "not again at 02:30 CET; next day 02:30 CET");
  }

  @Test
  void aMinuteCronFiresEachInstantOnceThroughARepeatedHour() {
    CronSpec c = CronSpec.parse("CRON_TZ=Europe/Berlin */30 * * * *");
    long t = at("2027-10-30T23:50:00Z");
    StringBuilder fired = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      long next = c.next(t);
      assertTrue(next > t);
      fired.append(Instant.ofEpochMilli(next)).append(' ');
      t = next;
    }
    // 02:00 and 02:30 CEST fire; their CET repeats do not; 03:00 CET follows.
    assertEquals("2027-10-31T00:00:00Z 2027-10-31T00:30:00Z 2027-10-31T02:00:00Z 2027-10-31T02:30:00Z"
        + " 2027-10-31T03:00:00Z ", fired.toString());
  }
}
