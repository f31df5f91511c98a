package dev.courier.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * One long-lived, pipelined Redis connection for one verticle instance (one event loop). The pooled
 * client (6 connections, 24 waiters by default) fails under load; a connection per event loop
 * pipelines every concurrent command and needs no pool. A broken connection is dropped and the next
 * command reconnects, so a Redis restart heals without restarting Courier.
 *
 * <p>Not thread-safe: use it only from the context of the verticle that created it.
 */
public final class RedisConnector {
  private final Redis client;
  private RedisConnection connection;
  private Future<RedisConnection> connecting;

  public RedisConnector(Vertx vertx, String url) {
    this.client = Redis.createClient(vertx, options(url));
  }

  public static RedisOptions options(String url) {
    return new RedisOptions()
        .setConnectionString(url)
        // Pipelining depth of one connection: every publish in flight on this event loop.
        .setMaxWaitingHandlers(65_536)
        // Fail fast when Redis is down, so publish answers 503 instead of hanging.
        .setNetClientOptions(new NetClientOptions().setConnectTimeout(2_000).setTcpNoDelay(true).setTcpKeepAlive(true));
  }

  public Future<Response> send(Request request) {
    RedisConnection c = connection;
    if (c != null) {
      return c.send(request);
    }
    return connect().compose(conn -> conn.send(request));
  }

  private Future<RedisConnection> connect() {
    Future<RedisConnection> pending = connecting;
    if (pending == null) {
      Promise<RedisConnection> promise = Promise.promise();
      pending = promise.future();
      connecting = pending;
      client.connect().onComplete(ar -> {
        connecting = null;
        if (ar.succeeded()) {
          RedisConnection conn = ar.result();
          conn.exceptionHandler(err -> drop(conn));
          conn.endHandler(v -> drop(conn));
          connection = conn;
          promise.complete(conn);
        } else {
          promise.fail(ar.cause());
        }
      });
    }
    // Not the field: connect() may complete synchronously and reset it before we get here.
    return pending;
  }

  private void drop(RedisConnection conn) {
    if (connection == conn) {
      connection = null;
      conn.close();
    }
  }

  public Future<Void> close() {
    RedisConnection c = connection;
    connection = null;
    Future<Void> closed = c == null ? Future.succeededFuture() : c.close().recover(err -> Future.succeededFuture());
    return closed.compose(v -> client.close());
  }
}
