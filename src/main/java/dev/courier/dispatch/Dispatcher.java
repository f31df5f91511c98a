package dev.courier.dispatch;

import dev.courier.model.HeaderCodec;
import dev.courier.model.StoredMessage;
import dev.courier.signing.JwtSigner;
import dev.courier.signing.SigningKeyStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

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
  /** Parsed destinations: java.net.URL parsing per attempt is measurable at tens of thousands a second. */
  private static final int TARGET_CACHE = 1024;

  private final Vertx vertx;
  private final HttpClient client;
  private final SigningKeyStore signingKeys;
  private final OutcomeWriter outcomes;
  private final int maxResponseBody;
  private final Map<String, RequestOptions> targets = new LinkedHashMap<>(TARGET_CACHE, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, RequestOptions> eldest) {
      return size() > TARGET_CACHE;
    }
  };

  public Dispatcher(Vertx vertx, HttpClient client, SigningKeyStore signingKeys, OutcomeWriter outcomes,
      int maxResponseBody) {
    this.vertx = vertx;
    this.client = client;
    this.signingKeys = signingKeys;
    this.outcomes = outcomes;
    this.maxResponseBody = maxResponseBody;
  }

  public Future<Boolean> deliver(Delivery d) {
    return attempt(d).compose(result -> {
      long now = System.currentTimeMillis();
      return outcomes.write(d, RetryPolicy.decide(d, result, now), now);
    });
  }

  /**
   * Never fails, and never throws: transport errors, the timeout and a message that cannot be made into a
   * request become a network {@link AttemptResult}. (A throw here would skip the outcome, so the credit
   * and the lease would stay held and the reaper would hand the message back, to throw again.)
   */
  Future<AttemptResult> attempt(Delivery d) {
    StoredMessage m = d.message();
    RequestOptions options;
    try {
      RequestOptions target = targets.computeIfAbsent(m.url(), url -> new RequestOptions().setAbsoluteURI(url));
      options = new RequestOptions()
          .setMethod(HttpMethod.valueOf(m.method()))
          .setHost(target.getHost())
          .setPort(target.getPort())
          .setSsl(target.isSsl())
          .setURI(target.getURI())
          .setFollowRedirects(true);
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
    options.putHeader(USER_AGENT, USER_AGENT_VALUE)
        .putHeader(MESSAGE_ID, d.id())
        .putHeader(RETRIED, Integer.toString(d.retried()))
        .putHeader(SIGNATURE, JwtSigner.sign(signingKeys.keys().current(), m.url(), m.body().getBytes()));
    if (m.callerIp() != null) {
      options.putHeader(CALLER_IP, m.callerIp());
    }

    Promise<AttemptResult> result = Promise.promise();
    HttpClientRequest[] sent = new HttpClientRequest[1];
    // An absolute deadline for the whole attempt (connect, send, response, body), not an idle timeout.
    long timer = vertx.setTimer(m.timeoutMs(), t -> {
      if (result.tryComplete(AttemptResult.network("timeout after " + m.timeoutMs() + " ms")) && sent[0] != null) {
        sent[0].reset(0, new TimeoutException("attempt timed out"));
      }
    });
    // No pool-wait timeout on the request: the deadline above covers the wait for a connection too.
    // (Vert.x's own pool-wait timer also fails its promise a second time now and then, an unhandled
    // IllegalStateException in the log.)
    client.request(options)
        .compose(req -> {
          if (result.future().isComplete()) {
            // The deadline passed while this attempt waited for a connection, and its timeout is already
            // recorded: sent now, it would arrive beside the retry.
            req.reset(0, new TimeoutException("attempt timed out before it was sent"));
            return Future.failedFuture("attempt timed out before it was sent");
          }
          sent[0] = req;
          return req.send(m.body());
        })
        .compose(this::read)
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          result.tryComplete(ar.succeeded() ? ar.result() : AttemptResult.network(describe(ar.cause())));
        });
    return result.future();
  }

  /** Reads the response; a failure's body is kept up to the configured size for the DLQ. */
  private Future<AttemptResult> read(HttpClientResponse resp) {
    int status = resp.statusCode();
    if (status >= 200 && status < 300) {
      resp.handler(chunk -> {});
      return resp.end().map(v -> new AttemptResult(status, resp.headers(), null, null));
    }
    Buffer kept = Buffer.buffer();
    resp.handler(chunk -> {
      int room = maxResponseBody - kept.length();
      if (room > 0) {
        kept.appendBuffer(chunk, 0, Math.min(room, chunk.length()));
      }
    });
    return resp.end().map(v -> new AttemptResult(status, resp.headers(), kept, null));
  }

  private static String describe(Throwable t) {
    String msg = t.getMessage();
    return t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
  }
}
