package dev.courier.eventlog;

import static dev.courier.support.TestNode.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.courier.config.ConfigLoader;
import dev.courier.ingest.IngestService;
import dev.courier.metrics.CourierMetrics;
import dev.courier.model.MessageCodec;
import dev.courier.model.StoredMessage;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import dev.courier.support.Sink;
import dev.courier.support.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clean stop of the event-log writer (H2: entries are confirmed only after a checkpoint) while a periodic
 * checkpoint is under way: the stop waits for it before it closes Redis. It used to close Redis under the
 * checkpoint's confirmations, which failed with CONNECTION_CLOSED and logged a WARN on a clean stop (FirstRunIT).
 */
@ExtendWith(VertxExtension.class)
class EventLogStopTest {

  @Test
  void aStopDuringACheckpointLetsItConfirmItsEntries(Vertx vertx, @TempDir Path dir) {
    RedisConnector redis = new RedisConnector(vertx, TestRedis.url());
    ScriptRunner scripts = new ScriptRunner(redis);
    get(scripts.loadAll());
    Keys keys = new Keys("stop" + UUID.randomUUID().toString().substring(0, 8), 1, true);
    EventStore store = get(EventStore.open(vertx, new TestDatabase.H2(dir).create()));
    EventLogVerticle writer = new EventLogVerticle(ConfigLoader.load(Map.of(), null, false).eventLog(),
        TestRedis.url(), keys, store, "w1", CourierMetrics.disabled(), () -> false);
    String deployment = get(vertx.deployVerticle(writer));
    try {
      // Until a checkpoint is started by the test rather than by the writer's periodic one (which takes what
      // waits, every second): store messages, wait until the writer has read them, start one on its context.
      Future<Void> checkpoint = null;
      for (int round = 0; round < 20 && checkpoint == null; round++) {
        store(scripts, keys, 20); // one script call: one outbox entry
        Sink.waitFor(() -> readToTheEnd(redis, keys), 10_000, "the writer did not read the entry");
        Promise<Future<Void>> started = Promise.promise();
        writer.context().runOnContext(v -> {
          Future<Void> run = writer.checkpoint();
          if (run.isComplete()) {
            started.complete(null); // nothing waited: the periodic one took it
            return;
          }
          vertx.undeploy(deployment); // while this checkpoint is under way
          started.complete(run);
        });
        checkpoint = get(started.future());
      }
      assertFalse(checkpoint == null, "no checkpoint of the test's ever found entries waiting");
      get(checkpoint); // failed with CONNECTION_CLOSED when the stop closed Redis under it
      Sink.waitFor(() -> vertx.deploymentIDs().isEmpty(), 10_000, "the writer did not stop");
      assertEquals(0, pending(redis, keys), "the stop confirmed every entry the writer had stored");
    } finally {
      if (vertx.deploymentIDs().contains(deployment)) { // a failed assertion: the writer may be stopping already
        get(vertx.undeploy(deployment).otherwiseEmpty());
      }
      get(store.close());
      get(redis.close());
    }
  }

  private static void store(ScriptRunner scripts, Keys keys, int count) {
    long now = System.currentTimeMillis();
    List<Object> args = new ArrayList<>(List.of(keys.dedupPrefix(0), 60_000L, 0L, keys.gatePrefix(0), now));
    for (int i = 0; i < count; i++) {
      String id = UUID.randomUUID().toString();
      StoredMessage m = new StoredMessage("http://x/" + id, "POST", "", 3, null, 5_000, now, now, null, List.of(),
          Buffer.buffer("b"), null);
      args.addAll(List.of(id, now, "", MessageCodec.encode(m), "", ""));
    }
    get(scripts.run(LuaScript.STORE_MESSAGES, IngestService.storeKeys(keys, 0), args));
  }

  /** Whether the writer's group has read the outbox's last entry. */
  private static boolean readToTheEnd(RedisConnector redis, Keys keys) {
    Response last = get(redis.send(Request.cmd(Command.XREVRANGE).arg(keys.events(0)).arg("+").arg("-").arg("COUNT")
        .arg(1)));
    Response groups = get(redis.send(Request.cmd(Command.XINFO).arg("GROUPS").arg(keys.events(0))));
    String delivered = groups.get(0).get("last-delivered-id").toString();
    return last.size() == 1 && last.get(0).get(0).toString().equals(delivered);
  }

  /** Outbox entries (one per script call) read by the writer and not yet confirmed. */
  private static long pending(RedisConnector redis, Keys keys) {
    Response r = get(redis.send(Request.cmd(Command.XPENDING).arg(keys.events(0)).arg(Outbox.GROUP)));
    return r == null || r.size() == 0 ? 0 : r.get(0).toLong();
  }
}
