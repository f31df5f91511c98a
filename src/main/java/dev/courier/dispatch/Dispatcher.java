package dev.courier.dispatch;

import dev.courier.metrics.CourierMetrics;
import dev.courier.model.HeaderCodec;
import dev.courier.model.StoredMessage;
import dev.courier.signing.JwtSigner;
import dev.courier.security.NetworkPolicy;
import dev.courier.signing.SigningKeyStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes one delivery attempt (qstash-api.md §7): the stored method, body bytes and forwarded headers,
 * plus the Upstash delivery headers and the signature; then records the outcome. The returned future
 * always completes once the outcome is written or known to be lost, never with a delivery error.
 */
public final class Dispatcher {
  // Pre-hashed header names: Vert.x hashes and validates a plain String name on every put.
  private static final CharSequence USER_AGENT = HttpHeaders.createOptimized("User-Agent");
  private static final CharSequence USER_AGENT_VALUE = HttpHeaders.createOptimized("Upstash-QStash");
  private static final CharSequence MESSAGE_ID = HttpHeaders.createOptimized("Upstash-Message-Id");
  private static final CharSequence RETRIED = HttpHeaders.createOptimized("Upstash-Retried");
  private static final CharSequence SIGNATURE = HttpHeaders.createOptimized("Upstash-Signature");
  private static final CharSequence CALLER_IP = HttpHeaders.createOptimized("Upstash-Caller-Ip");
  private static final CharSequence TOPIC_NAME = HttpHeaders.createOptimized("Upstash-Topic-Name");
  private static final CharSequence SCHEDULE_ID = HttpHeaders.createOptimized("Upstash-Schedule-Id");
  private static final CharSequence AUTHORIZATION = HttpHeaders.createOptimized("Authorization");
  private static final AttemptResult LOST_ATTEMPTS =
      AttemptResult.network("retries used up: the last attempts were lost with nodes that stopped during them");
  /** Parsed destinations: java.net.URL parsing per attempt is measurable at tens of thousands a second. */
  private static final int TARGET_CACHE = 1024;

  private final Vertx vertx;
  private final HttpClient client;
  private final SigningKeyStore signingKeys;
  private final OutcomeWriter outcomes;
  private final int maxResponseBody;
  private final NetworkPolicy policy;
  private final CourierMetrics metrics;
  private final HostShare hosts;
  private final long hostStallMs;
  private final Map<String, Target> targets = new LinkedHashMap<>(TARGET_CACHE, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Target> eldest) {
      return size() > TARGET_CACHE;
    }
  };

  public Dispatcher(Vertx vertx, HttpClient client, SigningKeyStore signingKeys, OutcomeWriter outcomes,
      int maxResponseBody) {
    this(vertx, client, signingKeys, outcomes, maxResponseBody, NetworkPolicy.local(), CourierMetrics.disabled(),
        Integer.MAX_VALUE, 2_000);
  }

  /**
   * @param policy the SSRF guard every attempt (and each of its redirects) is checked against
   * @param hostLimit attempts one destination host may have in flight on this dispatcher ({@link HostShare})
   * @param hostStallMs how long an attempt beyond that limit waits for its host (and how long a host at it may go
   *     without ending an attempt) before going back to the wheel, and for about how long it waits there
   */
  public Dispatcher(Vertx vertx, HttpClient client, SigningKeyStore signingKeys, OutcomeWriter outcomes,
      int maxResponseBody, NetworkPolicy policy, CourierMetrics metrics, int hostLimit, long hostStallMs) {
    this.hosts = new HostShare(vertx, hostLimit, hostStallMs);
    this.hostStallMs = hostStallMs;
    this.policy = policy;
    this.metrics = metrics;
    this.vertx = vertx;
    this.client = client;
    this.signingKeys = signingKeys;
    this.outcomes = outcomes;
    this.maxResponseBody = maxResponseBody;
  }

  public Future<Boolean> deliver(Delivery d) {
    if (d.retried() > d.message().maxRetries()) {
      // Its last attempts were lost with nodes that stopped during them (the reaper counts those): no
      // attempt is left. Without this, a message that takes its node down would be retried for ever.
      return outcomes.write(d, new Outcome.Dead(LOST_ATTEMPTS), System.currentTimeMillis());
    }
    Target target;
    try {
      target = targets.computeIfAbsent(d.message().url(), Target::of);
    } catch (RuntimeException e) {
      return write(d, AttemptResult.network("invalid destination: " + e.getMessage()), System.nanoTime());
    }
    long[] start = new long[1];
    return hosts.run(target.host(), () -> {
      start[0] = System.nanoTime();
      return attempt(d, target);
    }).compose(result -> result == HostShare.DEFERRED
        ? outcomes.defer(d, System.currentTimeMillis() + deferMs())
        : write(d, result, start[0]));
  }

  private Future<Boolean> write(Delivery d, AttemptResult result, long startNanos) {
    long now = System.currentTimeMillis();
    Outcome outcome = RetryPolicy.decide(d, result, now);
    metrics.attempt(kind(outcome, result), startNanos);
    if (outcome instanceof Outcome.Delivered) {
      metrics.delivered(d.message().createdAt(), now);
    }
    return outcomes.write(d, outcome, now);
  }

  /** A deferred message waits one stall period, spread by ±20 % so that they do not all come back together. */
  private long deferMs() {
    return (long) (hostStallMs * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
  }

  /** Answers the attempts held back for their host's share {@link HostShare#DEFERRED}: the node is stopping. */
  public void deferWaiting() {
    hosts.deferAllWaiting();
  }

  private static CourierMetrics.AttemptOutcome kind(Outcome outcome, AttemptResult result) {
    if (outcome instanceof Outcome.Delivered) {
      return CourierMetrics.AttemptOutcome.SUCCESS;
    }
    if (result.timedOut()) {
      return CourierMetrics.AttemptOutcome.TIMEOUT;
    }
    return outcome instanceof Outcome.Retry ? CourierMetrics.AttemptOutcome.RETRYABLE
        : CourierMetrics.AttemptOutcome.PERMANENT;
  }

  /**
   * Never fails, and never throws: transport errors, the timeout and a message that cannot be made into a
   * request become a network {@link AttemptResult}. (A throw here would skip the outcome, so the credit
   * and the lease would stay held and the reaper would hand the message back, to throw again.)
   */
  Future<AttemptResult> attempt(Delivery d) {
    Target t;
    try {
      t = targets.computeIfAbsent(d.message().url(), Target::of);
    } catch (RuntimeException e) {
      return Future.succeededFuture(AttemptResult.network("invalid destination: " + e.getMessage()));
    }
    return attempt(d, t);
  }

  private Future<AttemptResult> attempt(Delivery d, Target t) {
    StoredMessage m = d.message();
    RequestOptions options;
    String basicAuth;
    try {
      basicAuth = t.basicAuth();
      RequestOptions target = t.parsed();
      options = new RequestOptions()
          .setMethod(HttpMethod.valueOf(m.method()))
          .setHost(target.getHost())
          .setPort(target.getPort())
          .setSsl(target.isSsl())
          .setURI(target.getURI());
    } catch (RuntimeException e) {
      return Future.succeededFuture(AttemptResult.network("invalid destination: " + e.getMessage()));
    }
    try {
      HeaderCodec.forEach(m.headers(), options::addHeader);
    } catch (RuntimeException e) {
      // The API refuses such headers; a message stored before it did, or by another writer, ends here.
      // Not the exception's message: it quotes the header's value, which may be a credential.
      return Future.succeededFuture(AttemptResult.network("invalid forwarded header: not a valid HTTP header"));
    }
    if (basicAuth != null && (options.getHeaders() == null || !options.getHeaders().contains(AUTHORIZATION))) {
      options.putHeader(AUTHORIZATION, basicAuth);
    }
    options.putHeader(USER_AGENT, USER_AGENT_VALUE)
        .putHeader(MESSAGE_ID, d.id())
        .putHeader(RETRIED, Integer.toString(d.retried()))
        .putHeader(SIGNATURE, JwtSigner.sign(signingKeys.keys().current(), m.url(), m.body().getBytes()));
    if (m.callerIp() != null) {
      options.putHeader(CALLER_IP, m.callerIp());
    }
    if (m.topicName() != null) {
      options.putHeader(TOPIC_NAME, m.topicName());
    }
    if (m.scheduleId() != null) {
      options.putHeader(SCHEDULE_ID, m.scheduleId());
    }

    boolean reported = m.callbacks() != null && m.callbacks().callback() != null; // its callback reports the body
    return Attempt.run(vertx, client, m.url(), options, m.body(), maxResponseBody, m.timeoutMs(), reported, policy);
  }

  /**
   * A destination parsed once: where to connect, and the Basic credentials of its user info. Go's client
   * (so QStash) sends {@code http://user:pass@host/} as {@code Authorization: Basic …} unless the message
   * forwards an Authorization of its own; Vert.x would drop the user info silently.
   */
  private record Target(RequestOptions parsed, String basicAuth, String host) {
    static Target of(String url) {
      RequestOptions parsed = new RequestOptions().setAbsoluteURI(url);
      // the share's unit: one origin (a host's http and https, or two ports, are different servers)
      String host = (parsed.isSsl() ? "https://" : "http://") + parsed.getHost() + ":" + parsed.getPort();
      String basic = null;
      try {
        String info = new URI(dev.courier.api.Urls.lenientForParsing(url)).getRawUserInfo();
        if (info != null) {
          int colon = info.indexOf(':');
          String user = colon < 0 ? info : info.substring(0, colon);
          String password = colon < 0 ? "" : info.substring(colon + 1);
          basic = "Basic " + Base64.getEncoder().encodeToString((decode(user) + ":" + decode(password))
              .getBytes(StandardCharsets.UTF_8));
        }
      } catch (URISyntaxException | IllegalArgumentException e) {
        // no user info that could be read: none sent
      }
      return new Target(parsed, basic, host);
    }

    /** Percent-decoding only: a '+' in user info is a plus, not a space. */
    private static String decode(String s) {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
  }
}
