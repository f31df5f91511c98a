package dev.courier.api;

import dev.courier.config.AppConfig.LimitsConfig;
import dev.courier.model.CallbackSpec;
import dev.courier.model.Callbacks;
import dev.courier.model.HeaderCodec;
import dev.courier.security.NetworkPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a publish's {@code Upstash-Callback*} and {@code Upstash-Failure-Callback*} headers (qstash-api.md §3,
 * §10) into {@link Callbacks}: the URL, and the callback message's method, retries, timeout, delay, retry delay
 * and forwarded headers. Each is validated as the same option of a publish is; a setting without its URL is a
 * 400, never ignored.
 */
final class CallbackHeaders {

  private CallbackHeaders() {}

  /**
   * @param get an option's value by its lower-case name (header or {@code upstash-*} query parameter)
   * @param names every option name given
   * @return null when the publish asks for no callback
   */
  static Callbacks parse(Function<String, String> get, List<String> names, LimitsConfig limits, NetworkPolicy policy) {
    CallbackSpec callback = spec("Upstash-Callback", "upstash-callback", get, names, limits, policy);
    CallbackSpec failure = spec("Upstash-Failure-Callback", "upstash-failure-callback", get, names, limits, policy);
    return callback == null && failure == null ? null : new Callbacks(callback, failure, null, null);
  }

  private static CallbackSpec spec(String header, String lower, Function<String, String> get, List<String> names,
      LimitsConfig limits, NetworkPolicy policy) {
    String url = get.apply(lower);
    Map<String, List<String>> forwarded = new LinkedHashMap<>();
    String forwardPrefix = lower + "-forward-";
    boolean configured = false;
    for (String name : names) {
      String n = name.toLowerCase(Locale.ROOT);
      if (n.startsWith(forwardPrefix) && n.length() > forwardPrefix.length()) {
        String value = get.apply(n);
        if (!PublishRequest.deliverable(value)) {
          throw ApiException.badRequest("invalid value for " + name + ": control characters are not allowed");
        }
        forwarded.computeIfAbsent(HeaderNames.canonical(n.substring(forwardPrefix.length())), k -> new ArrayList<>())
            .add(value);
        configured = true;
      } else if (n.startsWith(lower + "-") && !n.startsWith(forwardPrefix)) {
        configured = true;
        if (!Set.of("retries", "timeout", "delay", "method", "retry-delay").contains(n.substring(lower.length() + 1))) {
          throw ApiException.badRequest("unknown header " + name + ": " + header + " takes -Retries, -Timeout, -Delay,"
              + " -Method, -Retry-Delay and -Forward-*");
        }
      }
    }
    if (url == null) {
      if (configured) {
        throw ApiException.badRequest(header + "-* headers were given without " + header + " (its URL)");
      }
      return null;
    }
    PublishRequest.checkTargetUrl("invalid " + header, url.trim(), policy);
    String method = get.apply(lower + "-method");
    method = method == null ? "POST" : method.trim().toUpperCase(Locale.ROOT);
    if (!PublishRequest.METHODS.contains(method)) {
      throw ApiException.badRequest("invalid " + header + "-Method: must be one of GET, POST, PUT, PATCH, DELETE");
    }
    Integer retries = null;
    String r = get.apply(lower + "-retries");
    if (r != null) {
      try {
        retries = Integer.parseInt(r.trim());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid " + header + "-Retries: not a whole number");
      }
      if (retries < 0 || retries > limits.maxRetries()) {
        throw ApiException.badRequest("invalid " + header + "-Retries: must be between 0 and " + limits.maxRetries());
      }
    }
    Long timeout = null;
    String t = get.apply(lower + "-timeout");
    if (t != null) {
      timeout = Math.min(PublishRequest.duration(header + "-Timeout", t), limits.maxTimeoutMs());
      if (timeout <= 0) {
        throw ApiException.badRequest("invalid " + header + "-Timeout: must be positive");
      }
    }
    long delay = 0;
    String d = get.apply(lower + "-delay");
    if (d != null) {
      delay = PublishRequest.duration(header + "-Delay", d);
      if (delay > limits.maxDelayMs()) {
        throw ApiException.badRequest("invalid " + header + "-Delay: must be at most " + limits.maxDelayMs() / 1000 + "s");
      }
    }
    String expr = get.apply(lower + "-retry-delay");
    if (expr != null) {
      if (expr.indexOf('\n') >= 0) {
        throw ApiException.badRequest("invalid " + header + "-Retry-Delay: a line break");
      }
      PublishRequest.retryDelay(header + "-Retry-Delay", expr);
    }
    return new CallbackSpec(url.trim(), method, retries, timeout, delay, expr, HeaderCodec.encode(forwarded));
  }
}
