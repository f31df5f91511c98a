package dev.courier.fuzz;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/**
 * The fuzzers' raw material: strings that an attacker, a broken client or an unlucky encoding produce, mixed
 * with the vocabulary of each input's grammar, so that generated input reaches deep into a parser instead of
 * failing at its first character.
 */
final class Adversarial {
  private Adversarial() {}

  /** Values that break naive number, text and line handling. */
  static final List<String> NASTY = List.of("", " ", "\t", "\r\n", "\n", "\r", "\u0000", "\u007f", "\u00a0", "\u2028",
      "\ufeff", "\ud800", "\udfff", "😀", "é", "١٢٣", "-1", "-0", "0", "+1", "2147483647", "2147483648", "-2147483649",
      "9223372036854775807", "9223372036854775808", "99999999999999999999999999", "1e309", "-1e309", "NaN",
      "Infinity", "0x10", "1_000", "1.5", ".", "..", "%", "%00", "%zz", "%0d%0a", "\"", "'", "\\", "{", "}", "[", "]",
      "{\"a\":{\"a\":[[[[]]]]}}", "null", "true", "=", ",", ";", "&", "?", "#", "/", "//", "../", "*", "${jndi:x}");

  /** Any text: printable, control characters, lone surrogates, emoji; short mostly, now and then long. */
  static Arbitrary<String> anyText() {
    return Arbitraries.frequencyOf(
        Tuple.of(5, Arbitraries.strings().all().ofMaxLength(40)),
        Tuple.of(3, Arbitraries.of(NASTY)),
        Tuple.of(2, malformedUtf8()),
        Tuple.of(1, huge()));
  }

  /**
   * Bytes that are not UTF-8, read the way a server reads them: Latin-1 (as HTTP header bytes are) or UTF-8
   * with replacement characters.
   */
  static Arbitrary<String> malformedUtf8() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(24).flatMap(bytes -> Arbitraries.of(
        new String(bytes, StandardCharsets.ISO_8859_1), new String(bytes, StandardCharsets.UTF_8)));
  }

  /** Long runs of one thing: digits, brackets, separators. */
  static Arbitrary<String> huge() {
    return Arbitraries.integers().between(1_000, 100_000).flatMap(n -> Arbitraries.of("9", "(", ",", "a", "%", "-", "é")
        .map(s -> s.repeat(n)));
  }

  /**
   * Sentences of a grammar's words, glued with nothing or with noise: most are nearly valid, which is where
   * parsers break.
   */
  static Arbitrary<String> sentences(List<String> words, int maxWords) {
    Arbitrary<String> word = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.of(words)), Tuple.of(1, Arbitraries.of(NASTY)),
        Tuple.of(1, Arbitraries.strings().all().ofMaxLength(3)));
    return word.list().ofMaxSize(maxWords).map(l -> String.join("", l));
  }

  private static final ExecutorService RUNNER = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fuzz-bounded");
    t.setDaemon(true);
    return t;
  });

  /**
   * Runs {@code call} and fails when it takes longer than {@code limit}: a hang is a finding, not a stuck build.
   * Exceptions come out unwrapped, for the property to judge.
   */
  static <T> T bounded(Duration limit, Supplier<T> call) {
    Future<T> f = RUNNER.submit(call::get);
    try {
      return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new AssertionError("no answer within " + limit.toMillis() + " ms (a hang)");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
