package dev.courier.support;

import dev.courier.ingest.IngestService;
import dev.courier.model.NewMessage;
import dev.courier.model.PublishResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/** Publishing straight into an {@link IngestService}, for tests below the HTTP API. */
public final class TestIngest {
  private TestIngest() {}

  /**
   * Stores an immediate message with id {@code id} and waits for Redis's answer; on the service's own event
   * loop, as the API calls it (it is not thread-safe).
   */
  public static PublishResult publishNow(Context context, IngestService ingest, String id) {
    return TestNode.get(publish(context, ingest, id));
  }

  /** The same without waiting: completes with Redis's answer. */
  public static Future<PublishResult> publish(Context context, IngestService ingest, String id) {
    long now = System.currentTimeMillis();
    NewMessage m = new NewMessage(id, "http://127.0.0.1:9/x", "POST", "", Buffer.buffer("b"), 3, null, 5_000, now, now,
        null, List.of(), null);
    Promise<PublishResult> done = Promise.promise();
    context.runOnContext(v -> ingest.publish(m).onComplete(done));
    return done.future();
  }
}
