package dev.courier.eventlog;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One page of the log.
 *
 * @param entries log entries as qstash-api.md §5.8 shows them, in the order asked for
 * @param cursor where the next page starts, opaque; null on the last page (the API then omits the key)
 */
public record EventPage(List<JsonObject> entries, String cursor) {}
