package dev.courier.schedules;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * A schedule as stored: its cron, and the publish request each fire repeats. The request is kept as it came
 * (destination, query, headers, body) and parsed again at every fire by the same code as a publish, so
 * that a fire honours every publish option exactly as a publish would; {@code view} holds the options as
 * the API shows them (qstash-api.md §5.5), rendered once when the schedule was created.
 *
 * @param destination the raw destination: a URL or a URL group's name
 * @param query the raw query string (webhook-mode {@code upstash-*} options, the URL's own query), null when none
 * @param headers the request's headers (HeaderCodec), without the token and the schedule's own headers
 * @param queueName the queue each fire enqueues to ({@code Upstash-Queue-Name}), null when none
 * @param view the options as the API shows them, a JSON object
 * @param rev the version, raised by every write: a claim computed from an older one fires nothing
 * @param lastFire the fire time of the last fire, unix ms; null before the first
 * @param nextFire the next fire time, unix ms; null when paused or never again
 * @param lastMessageIds the messages the last fire published, null when none recorded (yet)
 */
public record Schedule(
    String id,
    String cron,
    String destination,
    String query,
    String headers,
    Buffer body,
    String callerIp,
    long createdAt,
    String queueName,
    String view,
    boolean paused,
    long rev,
    Long lastFire,
    Long nextFire,
    List<String> lastMessageIds) {

  /** A new schedule's fields, before Redis gave it a version or a state. */
  public static Schedule create(String id, String cron, String destination, String query, String headers, Buffer body,
      String callerIp, long createdAt, String queueName, String view) {
    return new Schedule(id, cron, destination, query, headers, body, callerIp, createdAt, queueName, view, false, 0,
        null, null, null);
  }
}
