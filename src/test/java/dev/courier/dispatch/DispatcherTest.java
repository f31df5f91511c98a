package dev.courier.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.courier.model.HeaderCodec;
import dev.courier.model.StoredMessage;
import dev.courier.redis.Keys;
import dev.courier.signing.SigningKeyStore;
import dev.courier.signing.SigningKeys;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class DispatcherTest {
  /**
   * A stored message Vert.x refuses to send (a header value with CR LF, from before the API refused
   * them) is a failed attempt like a refused connection, never a throw: a throw skipped the outcome, held
   * the credit and the lease, and came back with the reaper to throw again. Its value stays out of the
   * error, which reaches the dead-letter queue.
   */
  @Test
  void anUnsendableMessageIsAFailedAttemptNotAThrow(Vertx vertx) throws Exception {
    Dispatcher dispatcher = new Dispatcher(vertx, vertx.createHttpClient(),
        new SigningKeyStore(new Keys("t", 1), new SigningKeys("sig_testCurrentKey000000000000000",
            "sig_testNextKey00000000000000000000")), null, 1024);
    String headers = HeaderCodec.encode(Map.of("X-Evil", List.of("secret-value\r\nInjected: yes")));
    StoredMessage m = new StoredMessage("http://127.0.0.1:9/x", "POST", headers, 3, null, 5_000, 0, 0, null,
        List.of(), Buffer.buffer("b"));
    AttemptResult result = dispatcher.attempt(new Delivery(0, "msg_1", m, 0, "lease", 0))
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(0, result.status());
    assertEquals("invalid forwarded header: not a valid HTTP header", result.error());
    assertFalse(result.error().contains("secret-value"));
  }

  /** As Go's client sends it (so QStash): user info becomes Basic credentials, unless the message has its own. */
  @Test
  void userInfoInTheUrlIsSentAsBasicCredentials(Vertx vertx) throws Exception {
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    int port = vertx.createHttpServer().requestHandler(req -> {
      seen.add(String.valueOf(req.getHeader("Authorization")));
      req.response().end();
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).actualPort();
    Dispatcher dispatcher = new Dispatcher(vertx, vertx.createHttpClient(),
        new SigningKeyStore(new Keys("t", 1), new SigningKeys("sig_testCurrentKey000000000000000",
            "sig_testNextKey00000000000000000000")), null, 1024);
    String url = "http://us%40er:p%3Ass+w@127.0.0.1:" + port + "/x";
    String own = HeaderCodec.encode(Map.of("Authorization", List.of("Bearer mine")));
    for (String headers : new String[] {HeaderCodec.encode(Map.of()), own}) {
      StoredMessage m = new StoredMessage(url, "POST", headers, 3, null, 5_000, 0, 0, null, List.of(),
          Buffer.buffer("b"));
      AttemptResult r = dispatcher.attempt(new Delivery(0, "msg_1", m, 0, "lease", 0))
          .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertEquals(200, r.status());
    }
    String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(
        "us@er:p:ss+w".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(List.of(basic, "Bearer mine"), seen);
  }
}
