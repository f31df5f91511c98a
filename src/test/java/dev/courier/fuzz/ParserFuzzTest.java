package dev.courier.fuzz;

import static dev.courier.fuzz.Adversarial.bounded;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ApiException;
import dev.courier.api.ParsedPublish;
import dev.courier.api.PublishRequest;
import dev.courier.config.ConfigLoader;
import dev.courier.retry.RetryDelayExpression;
import dev.courier.schedules.CronSpec;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The API's parsers called directly with random and adversarial input, thousands of tries in a few seconds: each
 * input is a value or a client error (an {@link ApiException} of 4xx, or the parser's documented exception),
 * never another exception (which the API would answer with 500), never a hang; and what a parser accepts is
 * what the rest of Courier can use (a retry delay evaluates, a cron has a next fire, forwarded headers can be
 * sent).
 */
class ParserFuzzTest {
  private static final Duration LIMIT = Duration.ofSeconds(5);
  private static final long NOW = 1_700_000_000_000L;
  private static final PublishRequest PARSER = new PublishRequest(ConfigLoader.load(Map.of(), null, false).limits());
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  /** Every option header the API reads (qstash-api.md), and names around them. */
  static final List<String> HEADER_NAMES = List.of("Upstash-Method", "Upstash-Retries", "Upstash-Retry-Delay",
      "Upstash-Timeout", "Upstash-Delay", "Upstash-Not-Before", "Upstash-Deduplication-Id",
      "Upstash-Content-Based-Deduplication", "Upstash-Flow-Control-Key", "Upstash-Flow-Control-Value",
      "Upstash-Callback", "Upstash-Failure-Callback", "Upstash-Callback-Retries", "Upstash-Callback-Timeout",
      "Upstash-Callback-Method", "Upstash-Callback-Forward-X", "Upstash-Failure-Callback-Retries",
      "Upstash-Failure-Callback-Forward-X", "Upstash-Label", "Upstash-Redact-Fields", "Upstash-Header-Forward",
      "Upstash-Forward-X-Custom", "Upstash-Forward-", "Upstash-Forward-Content-Length", "Upstash-Cron",
      "Upstash-Schedule-Id", "Upstash-Queue-Name", "Upstash-Telemetry-Sdk", "Upstash-", "Upstash-Unknown",
      "Content-Type", "Authorization", "X-Other", "upstash-retries", "UPSTASH-DELAY");

  /** Values in the vocabulary of those headers. */
  static final List<String> HEADER_WORDS = List.of("GET", "POST", "PUT", "patch", "3", "0", "-1", "10s", "1m", "1h30m",
      "7d", "500ms", "2147483648", "true", "false", "https://example.com/cb", "http://169.254.169.254/",
      "http://127.0.0.1:1/x", "body", "header", "header[Authorization]", "parallelism=2", "rate=5", "period=1m",
      ", ", "=", "pow(2, retried)", "1000 * retried", "key-1", "a,b,c", "application/json", "CRON_TZ=UTC 0 * * * *");

  static final List<String> DESTINATION_WORDS = List.of("https://", "http://", "http:/", "https:", "example.com",
      "127.0.0.1", ":8080", ":0", ":65536", ":-1", ":99999999999", "[::1]", "[fe80::1%25eth0]", "169.254.169.254",
      "user:pa%20ss@", "@", "/", "//", "?", "#", "a=b", "&", "%2F", "%", "..", "group-name", "ftp://", "javascript:",
      "\\", " ");

  @Property(tries = 3000)
  void publishRequestsAreAValueOrAClientError(@ForAll("destinations") String destination,
      @ForAll("queries") String query, @ForAll("headers") MultiMap headers, @ForAll("queues") String queue) {
    ParsedPublish parsed;
    try {
      parsed = bounded(LIMIT, () -> {
        ParsedPublish p = PARSER.parsePublish(destination, query, headers, Buffer.buffer("{}"), "10.0.0.1", NOW, queue);
        if (p.group() == null) {
          p.message(); // what is stored: building it must not throw either
        }
        return p;
      });
    } catch (ApiException e) {
      assertTrue(e.status() >= 400 && e.status() < 500, "a client error, not " + e.status() + ": " + e.getMessage());
      return;
    }
    // Accepted: what it forwards must be sendable, or every attempt would fail on it.
    for (var h : parsed.forwarded().entrySet()) {
      assertTrue(TOKEN.matcher(h.getKey()).matches(), "forwarded header name is an HTTP token: " + h.getKey());
      for (String v : h.getValue()) {
        assertTrue(v.chars().noneMatch(c -> c == '\r' || c == '\n' || c == 0), "forwarded value sendable: " + v);
      }
    }
  }

  @Property(tries = 5000)
  void retryDelayExpressionsParseOrAreRefused(@ForAll("expressions") String source,
      @ForAll("retried") int retried) {
    RetryDelayExpression expr;
    try {
      expr = bounded(LIMIT, () -> RetryDelayExpression.parse(source));
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().startsWith("invalid retry delay expression"), e.getMessage());
      return;
    }
    long delay = bounded(LIMIT, () -> expr.delayMillis(retried));
    assertTrue(delay >= 0, "a delay is never negative: " + delay);
  }

  @Property(tries = 3000)
  void flowControlValuesParseOrAreABadRequest(@ForAll("flowKeys") String key, @ForAll("flowValues") String value) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Upstash-Flow-Control-Key", key)
        .add("Upstash-Flow-Control-Value", value);
    try {
      ParsedPublish p = bounded(LIMIT, () -> PARSER.parsePublish("https://example.com/x", null, h, Buffer.buffer(),
          null, NOW, null));
      var fc = p.flowControl();
      assertTrue(fc.parallelism() >= 0 && fc.rate() >= 0 && (fc.parallelism() > 0 || fc.rate() > 0), fc.toString());
      assertTrue(fc.rate() == 0 || fc.periodMs() >= 1_000, "a rate has a period of a second at least: " + fc);
    } catch (ApiException e) {
      // 400, or 431 for a value past the header budget
      assertTrue(e.status() >= 400 && e.status() < 500, e.status() + " " + e.getMessage());
    }
  }

  @Property(tries = 3000)
  void cronStringsParseOrAreRefused(@ForAll("crons") String cron) {
    CronSpec spec;
    try {
      spec = bounded(LIMIT, () -> CronSpec.parse(cron));
    } catch (CronSpec.InvalidCronException e) {
      return;
    }
    long next = bounded(LIMIT, () -> spec.next(NOW));
    assertTrue(next == -1 || next > NOW, "the next fire is later, or none: " + next);
  }

  @Provide
  Arbitrary<String> destinations() {
    return Arbitraries.frequencyOf(
        Tuple.of(6, Combinators.combine(Arbitraries.of("https://example.com/", "http://127.0.0.1:8080/a", ""),
            Adversarial.sentences(DESTINATION_WORDS, 8)).as(String::concat)),
        Tuple.of(2, Adversarial.anyText()),
        Tuple.of(1, Arbitraries.of("https://example.com/", "my-group", "http://169.254.169.254/latest/meta-data/")));
  }

  @Provide
  Arbitrary<String> queries() {
    Arbitrary<String> pair = Combinators.combine(
        Arbitraries.of("upstash-retries", "upstash-delay", "upstash-forward-x", "upstash-forward-bad%20name",
            "upstash-forward-%0d%0a", "a", "upstash-method", "upstash-timeout"),
        Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of(HEADER_WORDS)), Tuple.of(1, Adversarial.anyText())))
        .as((k, v) -> k + "=" + v);
    return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(null)), Tuple.of(5, pair.list().ofMaxSize(4)
        .map(l -> String.join("&", l))), Tuple.of(1, Adversarial.anyText()));
  }

  @Provide
  Arbitrary<MultiMap> headers() {
    Arbitrary<String> name = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.of(HEADER_NAMES)),
        Tuple.of(1, Adversarial.anyText().map(s -> "Upstash-Forward-" + s)), Tuple.of(1, Adversarial.anyText()));
    Arbitrary<String> value = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of(HEADER_WORDS)),
        Tuple.of(2, Adversarial.sentences(HEADER_WORDS, 4)), Tuple.of(2, Adversarial.anyText()));
    return Combinators.combine(name, value).as(Map::entry).list().ofMaxSize(8).map(entries -> {
      MultiMap h = MultiMap.caseInsensitiveMultiMap();
      entries.forEach(e -> h.add(e.getKey(), e.getValue()));
      return h;
    });
  }

  @Provide
  Arbitrary<String> queues() {
    return Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(null)), Tuple.of(1, Arbitraries.of("q", "queue-1")));
  }

  @Provide
  Arbitrary<String> expressions() {
    List<String> words = List.of("retried", "pow", "min", "max", "sqrt", "abs", "exp", "floor", "ceil", "round", "(",
        "(", ")", ")", ",", "+", "-", "*", "/", "1", "0", "2", "1000", "1.5", ".5", "1e3", " ", "retriedx", "_");
    return Arbitraries.frequencyOf(Tuple.of(8, Adversarial.sentences(words, 40)), Tuple.of(1, Adversarial.anyText()),
        Tuple.of(1, Arbitraries.integers().between(1, 600).map(n -> "(".repeat(n) + "1" + ")".repeat(n))),
        Tuple.of(1, Arbitraries.integers().between(1, 600).map(n -> "-".repeat(n) + "1")),
        Tuple.of(1, Arbitraries.integers().between(1, 200).map(n -> "pow(".repeat(n) + "2" + ",9)".repeat(n))));
  }

  @Provide
  Arbitrary<Integer> retried() {
    return Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.integers().between(0, 30)),
        Tuple.of(1, Arbitraries.of(Integer.MAX_VALUE, Integer.MIN_VALUE, -1)));
  }

  @Provide
  Arbitrary<String> flowKeys() {
    return Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of("k", "key-1", "a.b:c@d")), Tuple.of(1, Adversarial.anyText()));
  }

  @Provide
  Arbitrary<String> flowValues() {
    List<String> words = List.of("parallelism", "rate", "ratePerSecond", "period", "PARALLELISM", "=", "=", ",", ", ",
        " ", "1", "2", "0", "-1", "999999999", "1000000000", "2147483648", "1m", "1h30m", "7d", "8d", "1s", "0s", "60",
        "500ms", "1d1s", "x");
    return Arbitraries.frequencyOf(Tuple.of(8, Adversarial.sentences(words, 14)), Tuple.of(1, Adversarial.anyText()));
  }

  @Provide
  Arbitrary<String> crons() {
    List<String> words = List.of("*", "*", "*/5", "*/0", "0/0", "0", "5", "59", "60", "24", "31", "32", "12", "13", "-1",
        "1-5", "5-1", "0-59/7", ",", "/", "?", "L", "W", "5#3", "JAN", "mon", "SUN-SAT", " ", " ", " ", "\t",
        "99999999999", "2147483648", "@yearly", "@every 1m", "CRON_TZ=", "CRON_TZ=Europe/Berlin ", "CRON_TZ=UTC ",
        "CRON_TZ=+01:00 ");
    Arbitrary<String> fiveFields = Arbitraries.of(List.of("*", "*/0", "0/0", "1-5", "5-1", "31", "0", "L", "?", "2-3/0",
        "1,2,3", "60", "7", "0-7", "*/1000", "1-1", "JAN-DEC", "FEB", "30")).list().ofSize(5).map(l -> String.join(" ", l));
    return Arbitraries.frequencyOf(Tuple.of(5, Adversarial.sentences(words, 16)), Tuple.of(4, fiveFields),
        Tuple.of(1, Adversarial.anyText()));
  }
}
