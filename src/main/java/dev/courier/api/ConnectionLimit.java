package dev.courier.api;

import io.vertx.core.http.HttpConnection;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the client connections a node keeps open at once, across its API event loops.
 *
 * <p>Before a request exists, and so before any token is checked, a connection holds what it has sent of
 * its headers: the HTTP parser keeps them as bytes and as characters, up to about four times the header
 * limit. 1 500 connections that each sent 200 KB of headers and stopped ran a 256 MiB node out of heap.
 * Past the limit a new connection is closed as soon as it is accepted; the client sees it reset, as from
 * any server at capacity, and retries.
 */
public final class ConnectionLimit {
  private final int max;
  private final AtomicInteger open = new AtomicInteger();

  /** @param configured 0 for the heap divided by eight times the header limit, at least 256 */
  public ConnectionLimit(int configured, int maxHeaderSize) {
    this.max = configured > 0 ? configured
        : (int) Math.min(Integer.MAX_VALUE, Math.max(256, Runtime.getRuntime().maxMemory() / (8L * maxHeaderSize)));
  }

  public int max() {
    return max;
  }

  /** Connections open right now (for tests and metrics). */
  public int open() {
    return open.get();
  }

  /** The server's connection handler: admits the connection or closes it. */
  void admit(HttpConnection connection) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      connection.close();
    } else {
      connection.closeHandler(v -> open.decrementAndGet());
    }
  }
}
