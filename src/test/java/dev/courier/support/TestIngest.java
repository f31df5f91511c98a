package dev.courier.support;

import dev.courier.ingest.IngestService;
import dev.courier.model.NewMessage;
import dev.courier.model.PublishResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
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
    return publishInOneTurn(context, ingest, id).get(0);
  }

  /**
   * Publishes of several ids started in one turn of the service's event loop, so that they are stored in one batch
   * (two turns can make two: the first one's batch may leave before the second publish arrives).
   */
  public static List<Future<PublishResult>> publishInOneTurn(Context context, IngestService ingest, String... ids) {
    long now = System.currentTimeMillis();
    List<Promise<PublishResult>> done = new ArrayList<>();
    List<NewMessage> messages = new ArrayList<>();
    for (String id : ids) {
      messages.add(new NewMessage(id, "http://127.0.0.1:9/x", "POST", "", Buffer.buffer("b"), 3, null, 5_000, now,
          now, null, List.of(), null));
      done.add(Promise.promise());
    }
    context.runOnContext(v -> {
      for (int i = 0; i < messages.size(); i++) {
        ingest.publish(messages.get(i)).onComplete(done.get(i));
      }
    });
    return done.stream().map(Promise::future).toList();
  }
}
