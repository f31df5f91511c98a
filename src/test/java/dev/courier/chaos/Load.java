package dev.courier.chaos;

import dev.courier.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The publishers of a chaos run, and the ledger of what each publish got: the keys (the path of the message's
 * destination, unique per message) that were accepted with their message id, the answers by status, and the keys
 * whose publish ended without an answer (the node died, the connection was cut): those may or may not have been
 * stored, so the audit neither requires nor forbids their delivery. At most {@code concurrency} publishes are out
 * at once: the caller blocks for a slot, as a client with a bounded pool does.
 */
final class Load {
  /** One answer: which node ({@code tag}), sent when, answered when, with what status; {@code retryAfter} as sent. */
  record Answer(String tag, long sentAt, long at, int status, String retryAfter, List<String> keys) {}

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final Semaphore slots;
  private final int concurrency;
  private final Map<String, String> accepted = new ConcurrentHashMap<>();
  private final Set<String> unknown = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
  private final AtomicLong errors = new AtomicLong();

  Load(int concurrency) {
    this.concurrency = concurrency;
    this.slots = new Semaphore(concurrency);
  }

  /** Parks the caller until the {@code n}th event of a steady {@code perSecond} rate started at {@code startNanos}. */
  static void pace(long startNanos, long n, double perSecond) {
    long due = startNanos + (long) (n * 1e9 / perSecond);
    long wait;
    while ((wait = due - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
    }
  }

  private HttpRequest request(String base, String path, Map<String, String> headers, byte[] body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + TestNode.TOKEN).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return b.build();
  }

  private void acquire() {
    try {
      slots.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Publishes one message ({@code path} is {@code /v2/publish/<url>} or {@code /v2/enqueue/<queue>/<url>}). */
  void publish(String tag, String base, String path, Map<String, String> headers, byte[] body, String key) {
    acquire();
    long sentAt = System.currentTimeMillis();
    http.sendAsync(request(base, path, headers, body), HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
      try {
        if (e != null) {
          unknown.add(key);
          errors.incrementAndGet();
          return;
        }
        answers.add(new Answer(tag, sentAt, System.currentTimeMillis(), r.statusCode(),
            r.headers().firstValue("Retry-After").orElse(null), List.of(key)));
        if (r.statusCode() / 100 == 2) {
          accepted.put(key, new JsonObject(r.body()).getString("messageId"));
        }
      } finally {
        slots.release();
      }
    });
  }

  /** Publishes {@code items} in one {@code POST /v2/batch}; {@code keys} are theirs, in order. */
  void batch(String tag, String base, JsonArray items, List<String> keys) {
    acquire();
    byte[] body = items.encode().getBytes();
    long sentAt = System.currentTimeMillis();
    http.sendAsync(request(base, "/v2/batch", Map.of("Content-Type", "application/json"), body),
        HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
          try {
            if (e != null) {
              unknown.addAll(keys);
              errors.incrementAndGet();
              return;
            }
            answers.add(new Answer(tag, sentAt, System.currentTimeMillis(), r.statusCode(),
                r.headers().firstValue("Retry-After").orElse(null), keys));
            if (r.statusCode() / 100 == 2) {
              JsonArray ids = new JsonArray(r.body());
              for (int i = 0; i < keys.size(); i++) {
                accepted.put(keys.get(i), ids.getJsonObject(i).getString("messageId"));
              }
            }
          } finally {
            slots.release();
          }
        });
  }

  /** Waits until every publish sent has its answer (or its failure). */
  void awaitIdle(long timeoutMs) throws InterruptedException {
    if (!slots.tryAcquire(concurrency, timeoutMs, TimeUnit.MILLISECONDS)) {
      throw new AssertionError("publishes still unanswered after " + timeoutMs + " ms");
    }
    slots.release(concurrency);
  }

  /** Key → message id of every publish answered 2xx. */
  Map<String, String> accepted() {
    return accepted;
  }

  /**
   * Counts the keys of the answers {@code which} picks as outcomes nobody knows, like those with no answer: a
   * refusal sent because Redis died with the write under way (it may have run it) tells the client to retry, not
   * that nothing was stored. Returns how many answers it picked.
   */
  long treatAsUnknown(java.util.function.Predicate<Answer> which) {
    List<Answer> picked = answers.stream().filter(which).toList();
    picked.forEach(a -> unknown.addAll(a.keys()));
    return picked.size();
  }

  /** Keys whose publish got no answer: stored or not, nobody knows. */
  Set<String> unknown() {
    return unknown;
  }

  List<Answer> answers() {
    return List.copyOf(answers);
  }

  /** Requests that got no answer. */
  long errors() {
    return errors.get();
  }

  /** Answers counted by status, for the report. */
  Map<Integer, Long> byStatus() {
    Map<Integer, Long> counts = new TreeMap<>();
    answers.forEach(a -> counts.merge(a.status(), 1L, Long::sum));
    return counts;
  }
}
