package dev.courier.api;

import dev.courier.dlq.RetryOverrides;
import io.vertx.core.MultiMap;
import java.util.Locale;
import java.util.Set;

/** The override headers of a DLQ retry request, validated as a publish's options are (qstash-api.md §11). */
final class RetryOverrideHeaders {
  private RetryOverrideHeaders() {}

  /** What a DLQ retry may change, by the headers of a publish (qstash-api.md §11). */
  private static final Set<String> RETRY_OVERRIDES = Set.of("upstash-retries", "upstash-retry-delay", "upstash-timeout",
      "upstash-method", "upstash-delay", "upstash-not-before");

  /**
   * The overrides of a DLQ retry request ({@code Upstash-Retries: 0} and the like), validated as a publish's
   * are. Any other {@code Upstash-*} header (but telemetry) is a 400 naming it: the new message keeps the dead
   * one's destination, headers, body and gate.
   */
  static RetryOverrides parse(PublishRequest publish, MultiMap headers, long now) {
    for (String name : headers.names()) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.startsWith("upstash-") && !lower.startsWith("upstash-telemetry-") && !RETRY_OVERRIDES.contains(lower)) {
        throw ApiException.badRequest(name + " cannot be changed by a dlq retry (it can change Upstash-Retries,"
            + " Upstash-Retry-Delay, Upstash-Timeout, Upstash-Method, Upstash-Delay and Upstash-Not-Before)");
      }
    }
    PublishOptions opts = new PublishOptions(headers);
    Integer retries = headers.get("upstash-retries") == null ? null : publish.retries(opts.get("upstash-retries"));
    String expr = PublishRequest.retryDelay("Upstash-Retry-Delay", opts.get("upstash-retry-delay"));
    Long timeout = opts.get("upstash-timeout") == null ? null : publish.timeout(opts.get("upstash-timeout"));
    String method = opts.get("upstash-method");
    if (method != null) {
      method = method.trim().toUpperCase(Locale.ROOT);
      if (!PublishRequest.METHODS.contains(method)) {
        throw ApiException.badRequest("invalid Upstash-Method: must be one of GET, POST, PUT, PATCH, DELETE");
      }
    }
    Long due = opts.get("upstash-delay") == null && opts.get("upstash-not-before") == null ? null
        : publish.due(opts.get("upstash-delay"), opts.get("upstash-not-before"), now);
    return new RetryOverrides(retries, expr, timeout, method, due);
  }
}
