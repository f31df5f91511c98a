package dev.courier.loadtests;

import java.util.Locale;

/**
 * The parameters every simulation reads, as system properties ({@code -Dname=value} on the Maven command
 * line; the Gatling plugin passes them on to the forked Gatling JVM).
 *
 * <pre>
 * courier.url        Courier's base URL                               http://127.0.0.1:8080
 * courier.token      API token (else env QSTASH_TOKEN)                required
 * rate               publishes per second at the plateau              200
 * rampSeconds        linear ramp from 1/s up to rate                  10
 * durationSeconds    plateau length                                   60
 * delay              Upstash-Delay (s, m, h, d; bare number = s)      per simulation
 * drainSeconds       how long after() waits for deliveries to drain   60 (+ the delay)
 * minSuccessPct      SLO: share of publishes answered 200             99.9
 * maxP99Ms           SLO: p99 publish response time, ms               500
 * maxDeliveryP99Ms   SLO: p99 publish-to-delivery latency, ms (0=off) 0
 * sinkHost           address the in-JVM sink binds to and advertises  127.0.0.1
 * </pre>
 */
public record LoadConfig(String courierUrl, String token, double rate, int rampSeconds, int durationSeconds,
    String delay, long delayMs, int drainSeconds, double minSuccessPct, int maxP99Ms, long maxDeliveryP99Ms,
    String sinkHost) {

  /** Reads the system properties; {@code defaultDelay} is used when {@code delay} is not given. */
  public static LoadConfig load(String defaultDelay) {
    String token = prop("courier.token", System.getenv("QSTASH_TOKEN"));
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("courier.token is required: run with -Dcourier.token=<QSTASH_TOKEN printed "
          + "by Courier at its first start, or in its data/credentials.properties> (or set QSTASH_TOKEN)");
    }
    String url = prop("courier.url", "http://127.0.0.1:8080").replaceAll("/+$", "");
    String delay = prop("delay", defaultDelay);
    LoadConfig c = new LoadConfig(url, token.trim(), number("rate", 200), (int) number("rampSeconds", 10),
        (int) number("durationSeconds", 60), delay, delay == null ? 0 : durationMillis(delay),
        (int) number("drainSeconds", 60), number("minSuccessPct", 99.9), (int) number("maxP99Ms", 500),
        (long) number("maxDeliveryP99Ms", 0), prop("sinkHost", "127.0.0.1"));
    if (c.rate <= 0 || c.durationSeconds <= 0 || c.rampSeconds < 0) {
      throw new IllegalArgumentException("rate and durationSeconds must be positive, rampSeconds not negative");
    }
    System.out.printf(Locale.ROOT, "courier load: %s, rate %.0f/s (ramp %ds, plateau %ds)%s%n", c.courierUrl, c.rate,
        c.rampSeconds, c.durationSeconds, delay == null ? "" : ", delay " + delay);
    return c;
  }

  static String prop(String name, String fallback) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  static double number(String name, double fallback) {
    String v = prop(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + name + " must be a number, not \"" + v + "\"");
    }
  }

  static boolean flag(String name) {
    return Boolean.parseBoolean(prop(name, "false"));
  }

  /** A QStash duration ("90", "5s", "1m30s", "1h", "2d") in milliseconds, as Courier reads Upstash-Delay. */
  static long durationMillis(String value) {
    String v = value.trim();
    if (v.matches("\\d+")) {
      return Long.parseLong(v) * 1000;
    }
    if (!v.matches("(\\d+[smhd])+")) {
      throw new IllegalArgumentException("-Ddelay must look like 90, 5s, 1m30s, 1h or 2d, not \"" + value + "\"");
    }
    long total = 0;
    var m = java.util.regex.Pattern.compile("(\\d+)([smhd])").matcher(v);
    while (m.find()) {
      long unit = switch (m.group(2)) {
        case "s" -> 1_000L;
        case "m" -> 60_000L;
        case "h" -> 3_600_000L;
        default -> 86_400_000L;
      };
      total += Long.parseLong(m.group(1)) * unit;
    }
    return total;
  }
}
