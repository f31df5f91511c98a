package dev.courier.api;

import dev.courier.model.FlowControl;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code Upstash-Flow-Control-Key} and {@code Upstash-Flow-Control-Value} (qstash-api.md §3, §16) to a
 * {@link FlowControl}. The value is read leniently, as the SDK and the docs write it differently
 * ({@code parallelism=2, rate=5, period=1m} or {@code parallelism=5,rate=10,period=1m}): whitespace around
 * anything, any order, any subset, {@code ratePerSecond} for {@code rate}, names in any case, a period in
 * seconds or as a duration. Whatever it cannot read exactly is a 400 naming it: a limit silently dropped
 * would let an application believe it is protected.
 */
final class FlowControlHeader {
  /** What a key may be: it names the key in {@code /v2/flowControl/{key}} and in Redis keys. */
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");
  private static final Pattern WHOLE = Pattern.compile("[0-9]{1,9}");
  static final long MIN_PERIOD_MS = 1_000;
  static final long MAX_PERIOD_MS = 7 * 86_400_000L;
  static final long DEFAULT_PERIOD_MS = 1_000;

  private FlowControlHeader() {}

  /** @return null when neither header is given */
  static FlowControl parse(String key, String value) {
    if (key == null && value == null) {
      return null;
    }
    if (key == null) {
      throw ApiException.badRequest("Upstash-Flow-Control-Value needs an Upstash-Flow-Control-Key");
    }
    if (value == null) {
      throw ApiException.badRequest("Upstash-Flow-Control-Key needs an Upstash-Flow-Control-Value giving parallelism"
          + " and/or rate (e.g. parallelism=2, rate=5, period=1m)");
    }
    if (!validKey(key)) {
      throw ApiException.badRequest("invalid Upstash-Flow-Control-Key: use 1 to 128 of the characters"
          + " A-Z a-z 0-9 . _ - : @");
    }
    int parallelism = 0;
    int rate = 0;
    long periodMs = 0;
    for (String part : value.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq < 0) {
        throw invalid("'" + p + "' is not name=value");
      }
      String name = p.substring(0, eq).trim();
      String v = p.substring(eq + 1).trim();
      switch (name.toLowerCase(Locale.ROOT)) {
        case "parallelism" -> {
          if (parallelism != 0) {
            throw invalid("parallelism is given twice");
          }
          parallelism = positive("parallelism", v);
        }
        case "rate", "ratepersecond" -> {
          if (rate != 0) {
            throw invalid("rate is given twice (ratePerSecond is another name for it)");
          }
          rate = positive(name, v);
        }
        case "period" -> {
          if (periodMs != 0) {
            throw invalid("period is given twice");
          }
          periodMs = period(v);
        }
        default -> throw invalid("unknown parameter '" + name + "' (parallelism, rate, ratePerSecond, period)");
      }
    }
    if (parallelism == 0 && rate == 0) {
      throw invalid("give parallelism and/or rate");
    }
    return new FlowControl(key, parallelism, rate, rate > 0 && periodMs == 0 ? DEFAULT_PERIOD_MS : periodMs);
  }

  static boolean validKey(String key) {
    return key != null && KEY.matcher(key).matches();
  }

  /** A whole number of at least 1 (at most 999 999 999), else a 400 naming {@code name}. */
  static int positive(String name, String v) {
    if (!WHOLE.matcher(v).matches() || Integer.parseInt(v) < 1) {
      throw invalid(name + " must be a whole number of at least 1, not '" + v + "'");
    }
    return Integer.parseInt(v);
  }

  /** Seconds ("60") or a duration ("1m", "1h30m"), from 1 s to 1 week. */
  static long period(String v) {
    long ms;
    try {
      ms = Durations.parseMillis(v);
    } catch (IllegalArgumentException e) {
      throw invalid("period must be seconds or a duration like 30s, 10m, 1h or 1d, not '" + v + "'");
    }
    if (ms < MIN_PERIOD_MS || ms > MAX_PERIOD_MS) {
      throw invalid("period must be from 1s to 1 week (7d), not '" + v + "'");
    }
    return ms;
  }

  private static ApiException invalid(String why) {
    return ApiException.badRequest("invalid Upstash-Flow-Control-Value: " + why);
  }
}
