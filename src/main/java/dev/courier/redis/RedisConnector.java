package dev.courier.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived, pipelined Redis connection for one verticle instance (one event loop). The pooled
 * client (6 connections, 24 waiters by default) fails under load; a connection per event loop
 * pipelines every concurrent command and needs no pool.
 *
 * <p>Commands issued during one event-loop turn are written together, one batch per shard: the client
 * flushes every single {@code send} to the socket, which costs a syscall per command on both sides; a batch
 * is one write. The commands of one batch belong to one shard (a hash-tagged slot), so that on a Redis
 * Cluster each batch can go to its shard's master, and a failing batch fails only the callers of its own
 * shard. A broken connection is dropped and the next command reconnects, so a Redis restart heals
 * without restarting Courier.
 *
 * <p>Belongs to the context that created it; a call from elsewhere (start-up, tests) hops onto it.
 */
public final class RedisConnector {
  /** No reply in this long means the connection is gone without telling: fail the batch, reconnect. */
  private static final long REPLY_TIMEOUT_MS = 10_000;
  private static final long CONNECT_TIMEOUT_MS = 3_000;

  private final Redis client;
  private final Context context;
  /** The group of commands that belong to no shard (or to every one): keys, the deployment record, scans. */
  public static final int ANY_SHARD = -1;

  private RedisConnection connection;
  private Future<RedisConnection> connecting;
  /** This turn's commands by shard, in the order the shards first appeared; null when none is waiting. */
  private Map<Integer, Batch> queued;

  private record Batch(List<Request> requests, List<Promise<Response>> promises) {}

  public RedisConnector(Vertx vertx, String url) {
    this.client = Redis.createClient(vertx, options(url));
    this.context = vertx.getOrCreateContext();
  }

  public static RedisOptions options(String url) {
    return new RedisOptions()
        .setConnectionString(url)
        // Pipelining depth of one connection: every publish in flight on this event loop.
        .setMaxWaitingHandlers(65_536)
        // Fail fast when Redis is down, so publish answers 503 instead of hanging.
        .setNetClientOptions(new NetClientOptions().setConnectTimeout(2_000).setTcpNoDelay(true).setTcpKeepAlive(true));
  }

  /** Queues a command that belongs to no shard for this turn's batch of {@link #ANY_SHARD}. */
  public Future<Response> send(Request request) {
    return send(ANY_SHARD, request);
  }

  /**
   * Queues the command for this turn's batch of {@code shard} (hopping onto the owning context when called
   * off it). Commands that must stay together (MULTI … EXEC) go to one shard in one turn.
   */
  public Future<Response> send(int shard, Request request) {
    Promise<Response> promise = Promise.promise();
    if (Vertx.currentContext() != context) {
      context.runOnContext(v -> send(shard, request).onComplete(promise));
      return promise.future();
    }
    if (queued == null) {
      queued = new LinkedHashMap<>();
      context.runOnContext(v -> flush());
    }
    Batch batch = queued.computeIfAbsent(shard, s -> new Batch(new ArrayList<>(), new ArrayList<>()));
    batch.requests().add(request);
    batch.promises().add(promise);
    return promise.future();
  }

  private void flush() {
    Map<Integer, Batch> batches = queued;
    queued = null;
    for (Batch batch : batches.values()) {
      flush(batch.requests(), batch.promises());
    }
  }

  private void flush(List<Request> requests, List<Promise<Response>> promises) {
    connection().onComplete(ar -> {
      if (ar.failed()) {
        promises.forEach(p -> p.fail(ar.cause()));
      } else if (requests.size() == 1) {
        RedisConnection conn = ar.result();
        conn.send(requests.get(0)).timeout(REPLY_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .onFailure(err -> dropIfSilent(conn, err)).onComplete(promises.get(0));
      } else {
        RedisConnection conn = ar.result();
        conn.batch(requests).timeout(REPLY_TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(batch -> {
          if (batch.succeeded()) {
            List<Response> replies = batch.result();
            for (int i = 0; i < promises.size(); i++) {
              promises.get(i).complete(replies.get(i));
            }
          } else {
            dropIfSilent(conn, batch.cause());
            // A batch fails whole when one reply is an error (Vert.x's batch does not say which): the
            // callers of this shard's batch, not those of the others. The scripts report outcomes as
            // return codes, so an error here is NOSCRIPT (Redis restarted or flushed: the EVALSHAs did
            // not run) or Redis itself failing (OOM, LOADING, READONLY), which every command would get;
            // each caller sees the error and ScriptRunner retries NOSCRIPT.
            promises.forEach(p -> p.fail(batch.cause()));
          }
        });
      }
    });
  }

  private Future<RedisConnection> connection() {
    RedisConnection c = connection;
    if (c != null) {
      return Future.succeededFuture(c);
    }
    Future<RedisConnection> pending = connecting;
    if (pending == null) {
      Promise<RedisConnection> promise = Promise.promise();
      pending = promise.future();
      connecting = pending;
      Future<RedisConnection> attempt = client.connect();
      // The handshake after the TCP connect (HELLO) can wait forever on a Redis that dies mid-way, and
      // every command of this verticle would wait behind it. A connection that arrives late is closed.
      attempt.timeout(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS).compose(this::loadScripts).onComplete(ar -> {
        connecting = null;
        if (ar.succeeded()) {
          RedisConnection conn = ar.result();
          conn.exceptionHandler(err -> drop(conn));
          conn.endHandler(v -> drop(conn));
          connection = conn;
          promise.complete(conn);
        } else {
          attempt.onSuccess(RedisConnection::close);
          promise.fail(ar.cause());
        }
      });
    }
    // Not the field: connect() may complete synchronously and reset it before we get here.
    return pending;
  }

  /**
   * Loads every script on a new connection before anyone uses it: a Redis that restarted has forgotten
   * them, and a NOSCRIPT inside a batch would fail the whole batch, including a claim that did run (its
   * messages would then wait for their lease to expire). Only a SCRIPT FLUSH while connected can still
   * cause NOSCRIPT; ScriptRunner handles that.
   */
  private Future<RedisConnection> loadScripts(RedisConnection conn) {
    List<Request> loads = new ArrayList<>();
    for (LuaScript script : LuaScript.values()) {
      loads.add(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.source()));
    }
    // On failure the caller closes the connection (once: a second close of a pooled connection is an
    // "Attempt to recycle more than permitted" in the log).
    return conn.batch(loads).timeout(REPLY_TIMEOUT_MS, TimeUnit.MILLISECONDS).map(replies -> conn);
  }

  private void dropIfSilent(RedisConnection conn, Throwable err) {
    if (err instanceof java.util.concurrent.TimeoutException) {
      drop(conn);
    }
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
