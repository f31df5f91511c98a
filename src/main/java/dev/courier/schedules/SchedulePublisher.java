package dev.courier.schedules;

import dev.courier.redis.ScriptRunner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.List;

/**
 * Publishes one fire of a schedule through the normal ingest path. The API implements it (it owns the
 * publish parser and the URL-group fan-out), so that a fire is exactly the publish the schedule stored.
 */
public interface SchedulePublisher {
  /** @return the ids of the messages stored (one, or one per endpoint of a URL group) */
  Future<List<String>> fire(Schedule schedule, long fireTime);

  /** Builds the scheduler verticle's publisher, on its event loop and its Redis connection. */
  interface Factory {
    SchedulePublisher create(Context context, ScriptRunner scripts);
  }
}
