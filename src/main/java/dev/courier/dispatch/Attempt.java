package dev.courier.dispatch;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.net.SocketAddress;
import dev.courier.security.NetworkPolicy;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * One delivery attempt as an exchange with the destination, redirects included, under one deadline.
 *
 * <p>The outcome is decided as early as it is known, and the rest of the exchange cannot change it nor
 * hold anything past the deadline:
 * <ul>
 *   <li>a 2xx succeeds on its status line; its body is drained in the background (up to {@code maxBody},
 *       past which the connection is closed);</li>
 *   <li>any other final status fails with the status, the headers and the body up to {@code maxBody},
 *       decided once that much arrived (the connection is then closed), the body ended, the body broke
 *       off, or the deadline passed;</li>
 *   <li>a redirect is followed the way Go's client (so QStash) follows it, up to {@value #MAX_REDIRECTS}:
 *       301, 302 and 303 become a GET without body, 307 and 308 resend the method and body, and a hop to
 *       another host does not carry the credentials headers;</li>
 *   <li>at the deadline every request still open (one waiting for its answer, or a body still being
 *       drained) is reset, which closes its connection: a destination cannot keep a pooled connection.</li>
 * </ul>
 * Vert.x's own redirect following is not used: the requests it makes are out of reach, so a hanging
 * redirect target held a pooled connection for good.
 */
final class Attempt {
  static final int MAX_REDIRECTS = 10;
  /** Go's client drops these on a redirect to a host that is neither the original nor a subdomain of it. */
  private static final Set<String> CREDENTIALS = Set.of("authorization", "www-authenticate", "cookie", "cookie2");

  private final Vertx vertx;
  private final HttpClient client;
  private final int maxBody;
  private final long timeoutMs;
  private final String firstHost;
  private final Promise<AttemptResult> result = Promise.promise();
  /** Requests of this attempt whose exchange has not ended: reset at the deadline. */
  private final List<HttpClientRequest> open = new ArrayList<>(1);
  /** The failed response being read, decided at the deadline with what arrived of its body. */
  private AttemptResult partial;
  private final long timer;
  private boolean expired;

  private Attempt(Vertx vertx, HttpClient client, int maxBody, long timeoutMs, String firstHost) {
    this.vertx = vertx;
    this.client = client;
    this.maxBody = maxBody;
    this.timeoutMs = timeoutMs;
    this.firstHost = firstHost;
    // An absolute deadline for the whole attempt (waiting for a connection, sending, redirects, the
    // answer and its body), not an idle timeout.
    this.timer = vertx.setTimer(timeoutMs, t -> expire());
  }

  /** Whether a 2xx answer's body is kept (a callback reports it), not drained unread. */
  private boolean keepSuccessBody;
  /** The SSRF guard: checked before each hop to a literal address, and on each connection made. */
  private NetworkPolicy policy;

  /** Never fails: every transport error becomes a network {@link AttemptResult}. */
  static Future<AttemptResult> run(Vertx vertx, HttpClient client, String url, RequestOptions first, Buffer body,
      int maxBody, long timeoutMs) {
    return run(vertx, client, url, first, body, maxBody, timeoutMs, false, NetworkPolicy.local());
  }

  /**
   * @param keepSuccessBody keep a 2xx answer's body too (up to {@code maxBody}), for a callback to report; the
   *     attempt still counts as delivered on its status line
   */
  static Future<AttemptResult> run(Vertx vertx, HttpClient client, String url, RequestOptions first, Buffer body,
      int maxBody, long timeoutMs, boolean keepSuccessBody, NetworkPolicy policy) {
    Attempt a = new Attempt(vertx, client, maxBody, timeoutMs, first.getHost());
    a.keepSuccessBody = keepSuccessBody;
    a.policy = policy;
    a.send(url, first, body, 0);
    return a.result.future();
  }

  private void send(String url, RequestOptions options, Buffer body, int redirects) {
    // A literal address is checked before any connection: a denied one (169.254.169.254) may not even answer.
    String literal = policy.peerDenial(options.getHost()); // a name is not an address: allowed here, checked below
    if (literal != null) {
      finish(AttemptResult.denied(options.getHost(), literal));
      return;
    }
    // No pool-wait timeout on the request: the deadline covers the wait for a connection too. (Vert.x's
    // own pool-wait timer also fails its promise a second time now and then, an unhandled
    // IllegalStateException in the log.)
    Future<HttpClientRequest> request;
    try {
      request = client.request(options);
    } catch (RuntimeException e) {
      // Vert.x checks some options (a port out of range) by throwing: a failed attempt like any other, so
      // the message is retried and dead-lettered instead of bouncing between the reaper and this throw.
      finish(AttemptResult.network(describe(e)));
      return;
    }
    request.onComplete(ar -> {
      if (ar.failed()) {
        finish(AttemptResult.network(describe(ar.cause())));
        return;
      }
      HttpClientRequest req = ar.result();
      // A name is checked on the address the connection reached (after DNS, so a name that resolves to a
      // denied address, or starts to, is caught; a pooled connection is checked again each time).
      String denial = deniedPeer(req);
      if (denial != null) {
        req.reset(0, new IllegalStateException("destination not allowed"));
        finish(AttemptResult.denied(peer(req), denial));
        return;
      }
      if (expired) {
        // The deadline passed while this request waited for a connection, and the timeout is already
        // recorded: sent now, it would arrive beside the retry.
        req.reset(0, new TimeoutException("attempt timed out before it was sent"));
        return;
      }
      open.add(req);
      // Errors reach the futures below; without a handler Vert.x would also log each one at ERROR.
      req.exceptionHandler(e -> {});
      (body == null ? req.send() : req.send(body)).onComplete(sent -> {
        if (sent.failed()) {
          closed(req);
          finish(AttemptResult.network(describe(sent.cause())));
        } else {
          answer(url, options, body, redirects, req, sent.result());
        }
      });
    });
  }

  private void answer(String url, RequestOptions options, Buffer body, int redirects, HttpClientRequest req,
      HttpClientResponse resp) {
    resp.exceptionHandler(e -> {});
    int status = resp.statusCode();
    if (status < 200) {
      // Vert.x passes an unexpected 1xx (102, an unasked-for 101) on as the final answer. The exchange is
      // out of step with the connection, so the connection goes.
      finish(AttemptResult.network("unexpected informational response " + status));
      reset(req);
      return;
    }
    String location = resp.getHeader("Location");
    if (isRedirect(status) && location != null && redirects < MAX_REDIRECTS && !expired) {
      drain(req, resp);
      String nextUrl;
      RequestOptions next;
      try {
        nextUrl = resolve(url, location);
        next = redirect(options, nextUrl, status);
      } catch (RuntimeException e) {
        // Not the location itself: it may carry credentials.
        finish(AttemptResult.network("invalid redirect location (" + e.getClass().getSimpleName() + ")"));
        return;
      }
      boolean keepBody = status == 307 || status == 308;
      send(nextUrl, next, keepBody ? body : null, redirects + 1);
      return;
    }
    if (status < 300 && !keepSuccessBody) {
      finish(new AttemptResult(status, resp.headers(), null, null));
      drain(req, resp);
      return;
    }
    Buffer kept = Buffer.buffer();
    partial = new AttemptResult(status, resp.headers(), kept, null);
    AttemptResult failed = partial;
    resp.handler(chunk -> {
      int room = maxBody - kept.length();
      if (room > 0 && !result.future().isComplete()) {
        kept.appendBuffer(chunk, 0, Math.min(room, chunk.length()));
        if (kept.length() >= maxBody) {
          // The rest cannot change what is kept, and may be large or endless: a new connection is cheaper.
          finish(failed);
          reset(req);
        }
      }
    });
    // A body that breaks off still leaves the status, the headers and what arrived.
    resp.end().onComplete(ended -> {
      closed(req);
      finish(failed);
    });
  }

  private String deniedPeer(HttpClientRequest req) {
    SocketAddress peer = req.connection() == null ? null : req.connection().remoteAddress();
    return peer == null || peer.hostAddress() == null ? null : policy.peerDenial(peer.hostAddress());
  }

  private static String peer(HttpClientRequest req) {
    return req.connection().remoteAddress().hostAddress();
  }

  /** An absolute or relative Location against the URL it answered; only http(s) is followed. */
  private static String resolve(String url, String location) {
    // Leniently, as at publish: a URL may hold characters java.net.URI calls illegal (| { } …).
    URI target = URI.create(dev.courier.api.Urls.lenientForParsing(url))
        .resolve(dev.courier.api.Urls.lenientForParsing(location.trim()));
    String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("not http(s)");
    }
    return target.toString();
  }

  /** The next hop's request: Go's rules (net/http redirectBehavior and its header copier). */
  private RequestOptions redirect(RequestOptions from, String nextUrl, int status) {
    RequestOptions next = new RequestOptions().setAbsoluteURI(nextUrl);
    HttpMethod method = from.getMethod();
    boolean keepBody = status == 307 || status == 308;
    if (!keepBody && method != HttpMethod.GET && method != HttpMethod.HEAD) {
      method = HttpMethod.GET;
    }
    next.setMethod(method);
    boolean sameSite = sameOrSubdomain(next.getHost(), firstHost);
    MultiMap headers = from.getHeaders();
    if (headers != null) {
      for (var h : headers) {
        String name = h.getKey().toLowerCase(Locale.ROOT);
        if ((!sameSite && CREDENTIALS.contains(name))
            || (!keepBody && (name.equals("content-type") || name.equals("content-length")))) {
          continue;
        }
        next.addHeader(h.getKey(), h.getValue());
      }
    }
    return next;
  }

  private static boolean sameOrSubdomain(String host, String original) {
    if (host == null || original == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    String o = original.toLowerCase(Locale.ROOT);
    return h.equals(o) || h.endsWith("." + o);
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  /**
   * Reads the rest of a body nobody needs, so that the connection goes back to the pool; past
   * {@code maxBody} bytes (or at the deadline) the connection is closed instead: a large or endless body
   * costs less as a new connection than as bandwidth until the timeout.
   */
  private void drain(HttpClientRequest req, HttpClientResponse resp) {
    long[] read = {0};
    resp.handler(chunk -> {
      read[0] += chunk.length();
      if (read[0] > maxBody && open.contains(req)) {
        reset(req);
      }
    });
    resp.end().onComplete(ended -> closed(req));
  }

  private void closed(HttpClientRequest req) {
    open.remove(req);
    if (open.isEmpty() && result.future().isComplete()) {
      vertx.cancelTimer(timer);
    }
  }

  private void finish(AttemptResult r) {
    if (result.tryComplete(r) && open.isEmpty()) {
      vertx.cancelTimer(timer);
    }
  }

  private void expire() {
    expired = true;
    finish(partial != null ? partial : AttemptResult.network(AttemptResult.TIMEOUT + timeoutMs + " ms"));
    for (HttpClientRequest req : List.copyOf(open)) {
      reset(req);
    }
  }

  private void reset(HttpClientRequest req) {
    closed(req);
    req.reset(0, new TimeoutException("attempt ended"));
  }

  private static String describe(Throwable t) {
    String msg = t.getMessage();
    return t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
  }
}
