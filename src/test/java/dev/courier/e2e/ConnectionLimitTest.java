package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * http.max-connections holds from the moment a connection is accepted, before it has sent a byte: the
 * headers of a request that never completes are what a connection holds, before any token is checked.
 */
@ExtendWith(VertxExtension.class)
class ConnectionLimitTest {
  @Test
  void connectionsPastTheLimitAreClosedAtOnceAndTheirPlacesComeBack(Vertx vertx) throws Exception {
    try (TestNode node = TestNode.start(vertx, Map.of("COURIER_HTTP_MAX_CONNECTIONS", "3"))) {
      List<Socket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < 5; i++) {
          Socket s = new Socket("127.0.0.1", node.courier().port());
          s.setSoTimeout(300);
          // Half a request head, never finished: what a slow client holds the server to.
          s.getOutputStream().write("POST /v2/publish/http://127.0.0.1:9/x HTTP/1.1\r\nX-Pad: aaaa".getBytes());
          sockets.add(s);
        }
        Sink.waitFor(() -> node.courier().connections().open() == 3, 5_000, "not three connections open");
        int closed = 0;
        for (Socket s : sockets) {
          closed += closedByServer(s) ? 1 : 0;
        }
        assertEquals(2, closed, "the two past the limit are closed by the server");
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }
      Sink.waitFor(() -> node.courier().connections().open() == 0, 5_000, "the places did not come back");
      assertEquals(200, node.send("GET", "/v2/keys", Map.of(), null).statusCode());
    }
  }

  /** http.idle-timeout: a connection that says nothing is closed, and its place under the limit comes back. */
  @Test
  void idleConnectionsAreClosed(Vertx vertx) throws Exception {
    try (TestNode node = TestNode.start(vertx, Map.of("COURIER_HTTP_IDLE_TIMEOUT", "1s"));
        Socket idle = new Socket("127.0.0.1", node.courier().port())) {
      idle.setSoTimeout(5_000);
      Sink.waitFor(() -> node.courier().connections().open() == 1, 5_000, "the connection was not counted");
      long start = System.currentTimeMillis();
      assertEquals(-1, idle.getInputStream().read(), "closed by the server");
      long after = System.currentTimeMillis() - start;
      assertTrue(after >= 500 && after < 4_000, "closed after " + after + " ms, expected about 1 s");
      Sink.waitFor(() -> node.courier().connections().open() == 0, 5_000, "its place did not come back");
    }
  }

  /** True when the server closed the connection (end of stream or reset); false when it still waits. */
  private static boolean closedByServer(Socket s) {
    try {
      return s.getInputStream().read() == -1;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }
}
