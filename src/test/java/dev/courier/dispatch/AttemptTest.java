package dev.courier.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One attempt against destinations that misbehave on purpose, over real sockets: what the attempt decides,
 * and that nothing of the exchange outlives the attempt's deadline.
 */
@ExtendWith(VertxExtension.class)
class AttemptTest {
  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A destination that speaks raw bytes: each connection gets the handler once its request head arrived. */
  private int raw(Handler<NetSocket> onRequest, AtomicInteger closes) throws Exception {
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      Buffer head = Buffer.buffer();
      boolean[] answered = {false};
      socket.handler(data -> {
        head.appendBuffer(data);
        if (!answered[0] && head.toString().contains("\r\n\r\n")) {
          answered[0] = true;
          onRequest.handle(socket);
        }
      });
      socket.closeHandler(v -> {
        if (closes != null) {
          closes.incrementAndGet();
        }
      });
    });
    return await(server.listen(0, "127.0.0.1")).actualPort();
  }

  private int http(Handler<HttpServerRequest> handler) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(handler);
    return await(server.listen(0, "127.0.0.1")).actualPort();
  }

  private AttemptResult attempt(String url, HttpMethod method, String body, long timeoutMs, String... headers)
      throws Exception {
    RequestOptions options = new RequestOptions().setAbsoluteURI(url).setMethod(method);
    for (int i = 0; i < headers.length; i += 2) {
      options.addHeader(headers[i], headers[i + 1]);
    }
    // On an event loop, as in the dispatcher.
    Promise<AttemptResult> result = Promise.promise();
    vertx.runOnContext(v -> Attempt.run(vertx, client, url, options, Buffer.buffer(body), 1024, timeoutMs)
        .onComplete(result));
    return await(result.future());
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long until = System.currentTimeMillis() + 5_000;
    while (!condition.getAsBoolean() && System.currentTimeMillis() < until) {
      Thread.sleep(20);
    }
  }

  @Test
  void aRedirectTargetThatNeverAnswersIsClosedAtTheDeadline() throws Exception {
    AtomicInteger closes = new AtomicInteger();
    AtomicInteger requests = new AtomicInteger();
    int hang = raw(socket -> requests.incrementAndGet(), closes);
    int redirect = raw(socket -> socket.write("HTTP/1.1 303 See Other\r\nLocation: http://127.0.0.1:" + hang
        + "/hang\r\nContent-Length: 0\r\n\r\n"), null);

    AttemptResult r = attempt("http://127.0.0.1:" + redirect + "/x", HttpMethod.POST, "b", 500);

    assertEquals(0, r.status());
    assertEquals("timeout after 500 ms", r.error());
    assertEquals(1, requests.get(), "the redirect was followed");
    // Vert.x's own redirect following kept this connection open for good, a pooled slot lost per attempt.
    waitFor(() -> closes.get() == 1);
    assertEquals(1, closes.get(), "the hanging redirect target's connection is closed");
  }

  @Test
  void redirectsFollowGosRules() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    int target = http(req -> req.body().onSuccess(b -> {
      seen.add(req.method() + " " + req.path() + " body=" + b + " type=" + req.getHeader("Content-Type"));
      req.response().end("ok");
    }));
    int redirect = http(req -> {
      int status = Integer.parseInt(req.path().substring(1));
      req.response().setStatusCode(status).putHeader("Location", "http://127.0.0.1:" + target + "/to" + status)
          .end();
    });
    for (int status : new int[] {301, 302, 303, 307, 308}) {
      AttemptResult r = attempt("http://127.0.0.1:" + redirect + "/" + status, HttpMethod.POST, "payload", 5_000,
          "Content-Type", "application/json");
      assertEquals(200, r.status(), "after a " + status);
    }
    assertEquals(List.of(
        "GET /to301 body= type=null",
        "GET /to302 body= type=null",
        "GET /to303 body= type=null",
        "POST /to307 body=payload type=application/json",
        "POST /to308 body=payload type=application/json"), seen);
  }

  @Test
  void aRedirectToAnotherHostLeavesTheCredentialsBehind() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    int target = http(req -> {
      seen.add(req.getHeader("Host") + " auth=" + req.getHeader("Authorization") + " cookie=" + req.getHeader("Cookie")
          + " sig=" + (req.getHeader("Upstash-Signature") != null));
      req.response().end();
    });
    // To "localhost": another host than the published 127.0.0.1, as far as names go.
    int elsewhere = http(req -> req.response().setStatusCode(307)
        .putHeader("Location", "http://localhost:" + target + "/there").end());
    int same = http(req -> req.response().setStatusCode(307)
        .putHeader("Location", "http://127.0.0.1:" + target + "/there").end());

    attempt("http://127.0.0.1:" + elsewhere + "/", HttpMethod.POST, "b", 5_000, "Authorization", "Bearer user-secret",
        "Cookie", "session=abc", "Upstash-Signature", "jwt");
    attempt("http://127.0.0.1:" + same + "/", HttpMethod.POST, "b", 5_000, "Authorization", "Bearer user-secret",
        "Cookie", "session=abc", "Upstash-Signature", "jwt");

    assertEquals(List.of(
        "localhost:" + target + " auth=null cookie=null sig=true",
        "127.0.0.1:" + target + " auth=Bearer user-secret cookie=session=abc sig=true"), seen);
  }

  /** A URL with characters java.net.URI refuses (publish accepts them, as Go does) still follows a redirect. */
  @Test
  void aRedirectFromAUrlWithCharactersUriRefusesIsFollowed() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    int port = http(req -> {
      seen.add(req.uri());
      if (req.uri().startsWith("/from")) {
        req.response().setStatusCode(307).putHeader("Location", "/to?q={x}").end();
      } else {
        req.response().end();
      }
    });
    AttemptResult r = attempt("http://127.0.0.1:" + port + "/from|a?m=a|b", HttpMethod.POST, "b", 5_000);
    assertEquals(200, r.status(), String.valueOf(r.error()));
    assertEquals(2, seen.size(), seen.toString());
  }

  @Test
  void aRedirectLoopEndsWithTheLastRedirectAsTheAnswer() throws Exception {
    AtomicInteger hops = new AtomicInteger();
    int[] port = new int[1];
    port[0] = http(req -> {
      hops.incrementAndGet();
      req.response().setStatusCode(302).putHeader("Location", "http://127.0.0.1:" + port[0] + "/again").end();
    });
    AttemptResult r = attempt("http://127.0.0.1:" + port[0] + "/", HttpMethod.GET, "", 5_000);
    assertEquals(302, r.status());
    assertEquals(Attempt.MAX_REDIRECTS + 1, hops.get());
  }

  @Test
  void aTwoHundredSucceedsOnItsStatusLineAndAnEndlessBodyIsCutAtTheDeadline() throws Exception {
    AtomicInteger closes = new AtomicInteger();
    int endless = raw(socket -> {
      socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      // 400 bytes a second: under the 1024 drained before closing, so only the deadline cuts it.
      vertx.setPeriodic(20, t -> socket.write("8\r\n01234567\r\n").onFailure(e -> vertx.cancelTimer(t)));
    }, closes);

    long start = System.currentTimeMillis();
    AttemptResult r = attempt("http://127.0.0.1:" + endless + "/", HttpMethod.POST, "b", 1_500);

    assertEquals(200, r.status());
    assertNull(r.error());
    assertTrue(System.currentTimeMillis() - start < 1_000, "decided on the status line, not at the body's end");
    waitFor(() -> closes.get() == 1);
    assertEquals(1, closes.get(), "the endless body's connection is closed at the deadline");
  }

  @Test
  void aLargeBodyNobodyNeedsClosesItsConnectionInsteadOfBeingReadToTheDeadline() throws Exception {
    for (String status : List.of("200 OK", "500 Boom")) {
      AtomicInteger closes = new AtomicInteger();
      int large = raw(socket -> {
        socket.write("HTTP/1.1 " + status + "\r\nTransfer-Encoding: chunked\r\n\r\n");
        vertx.setPeriodic(10, t -> socket.write("100\r\n" + "x".repeat(256) + "\r\n")
            .onFailure(e -> vertx.cancelTimer(t)));
      }, closes);
      long start = System.currentTimeMillis();
      attempt("http://127.0.0.1:" + large + "/", HttpMethod.POST, "b", 30_000);
      waitFor(() -> closes.get() == 1);
      assertEquals(1, closes.get(), status);
      assertTrue(System.currentTimeMillis() - start < 5_000, status + ": closed past 1024 bytes, not at the deadline");
    }
  }

  @Test
  void aFailedAnswerKeepsItsStatusHeadersAndBodyWhateverTheBodyDoes() throws Exception {
    int endless = raw(socket -> {
      socket.write("HTTP/1.1 500 Boom\r\nX-Test: a\r\nTransfer-Encoding: chunked\r\n\r\n");
      vertx.setPeriodic(10, t -> socket.write("100\r\n" + "x".repeat(256) + "\r\n")
          .onFailure(e -> vertx.cancelTimer(t)));
    }, null);
    int cutOff = raw(socket -> socket.write("HTTP/1.1 502 X\r\nContent-Length: 100\r\n\r\nonly-part")
        .onComplete(v -> vertx.setTimer(50, t -> socket.close())), null);
    int stalls = raw(socket -> socket.write("HTTP/1.1 503 X\r\nContent-Length: 100\r\n\r\nsome"), null);

    AttemptResult full = attempt("http://127.0.0.1:" + endless + "/", HttpMethod.POST, "b", 5_000);
    assertEquals(500, full.status());
    assertEquals("a", full.headers().get("X-Test"));
    assertEquals("x".repeat(1024), full.body().toString(), "cut at the configured size, not at the deadline");

    AttemptResult broken = attempt("http://127.0.0.1:" + cutOff + "/", HttpMethod.POST, "b", 5_000);
    assertEquals(502, broken.status());
    assertEquals("only-part", broken.body().toString());

    AttemptResult late = attempt("http://127.0.0.1:" + stalls + "/", HttpMethod.POST, "b", 500);
    assertEquals(503, late.status());
    assertEquals("some", late.body().toString());
  }

  @Test
  void anUnexpectedInformationalAnswerIsAFailedAttempt() throws Exception {
    int processing = raw(socket -> socket.write("HTTP/1.1 102 Processing\r\n\r\n")
        .onComplete(v -> vertx.setTimer(100, t -> socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))),
        null);
    AttemptResult r = attempt("http://127.0.0.1:" + processing + "/", HttpMethod.POST, "b", 5_000);
    assertEquals(0, r.status());
    assertEquals("unexpected informational response 102", r.error());
  }

  @Test
  void optionsVertxRefusesAreAFailedAttemptNotAThrow() throws Exception {
    AttemptResult r = attempt("http://127.0.0.1:99999/x", HttpMethod.POST, "b", 5_000);
    assertEquals(0, r.status());
    assertTrue(r.error().startsWith("IllegalArgumentException"), r.error());
  }
}
