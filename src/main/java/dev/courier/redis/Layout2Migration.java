package dev.courier.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * Storage layout 2 to 3, run by the first node of layout 3 that finds a layout-2 record. Layout 2's messages,
 * leases, timers, retry counts and dead letters mean the same in layout 3 (ungated messages, in the shard of
 * their id's hash; the message codec's version 2, which layout 3 reads), and stay where they are. Only the
 * dedup keys move: layout 2 kept one in the shard of the message's random id, so with more than one shard two
 * publishes with one deduplication id could meet in different shards; layout 3 keeps it in the shard of the
 * dedup scope's hash. Each key is copied with what is left of its window (SET NX: a key written meanwhile
 * wins) and then deleted, so a migration that stops halfway is completed by the next start; the record
 * changes last.
 */
public final class Layout2Migration {
  private static final int SCAN_PAGE = 1000;

  private final RedisConnector redis;
  private final Keys keys;

  public Layout2Migration(RedisConnector redis, Keys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  /** Moves the dedup keys, then records layout 3; the future carries the number of keys moved. */
  public Future<Integer> run() {
    int[] moved = {0};
    Future<Void> chain = Future.succeededFuture();
    for (int s = 0; s < keys.shards(); s++) {
      int shard = s;
      chain = chain.compose(v -> scan(shard, "0", moved));
    }
    return chain
        .compose(v -> redis.send(Request.cmd(Command.SET).arg(keys.shardCount()).arg(keys.deploymentTag())))
        .map(v -> moved[0]);
  }

  private Future<Void> scan(int shard, String cursor, int[] moved) {
    return redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(keys.dedupPrefix(shard) + "*")
        .arg("COUNT").arg(SCAN_PAGE)).compose(reply -> {
          String next = reply.get(0).toString();
          List<Future<Void>> moves = new ArrayList<>();
          for (Response key : reply.get(1)) {
            String hash = key.toString().substring(keys.dedupPrefix(shard).length());
            int home = keys.shardOfRoutingKey(hash);
            if (home != shard) {
              moves.add(move(key.toString(), keys.dedup(home, hash)).onSuccess(v -> moved[0]++));
            }
          }
          return Future.all(moves).compose(all -> "0".equals(next) ? Future.succeededFuture()
              : scan(shard, next, moved));
        });
  }

  private Future<Void> move(String from, String to) {
    Future<Response> value = redis.send(Request.cmd(Command.GET).arg(from));
    Future<Response> ttl = redis.send(Request.cmd(Command.PTTL).arg(from));
    return Future.all(value, ttl).compose(v -> {
      if (value.result() == null || ttl.result().toLong() == -2) {
        return Future.succeededFuture(); // expired meanwhile
      }
      Request set = Request.cmd(Command.SET).arg(to).arg(value.result().toBuffer());
      if (ttl.result().toLong() > 0) {
        set.arg("PX").arg(ttl.result().toLong());
      }
      return redis.send(set.arg("NX")).compose(r -> redis.send(Request.cmd(Command.DEL).arg(from))).mapEmpty();
    });
  }
}
