package dev.courier.api;

import dev.courier.config.AppConfig.LimitsConfig;
import dev.courier.model.Callbacks;
import dev.courier.model.FlowControl;
import dev.courier.model.HeaderCodec;
import dev.courier.model.Redaction;
import dev.courier.model.NewMessage;
import dev.courier.redis.Keys;
import dev.courier.retry.RetryDelayExpression;
import dev.courier.security.NetworkPolicy;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a publish request (raw path, raw query, headers, body) into a validated {@link NewMessage}
 * (qstash-api.md §3, §4). Every rejection is an {@link ApiException} with a 4xx; nothing is stored
 * before this has succeeded. Pure: no I/O, so every rule is unit-testable.
 *
 * <p>One instance per event loop (not thread-safe): it remembers the destination URLs it validated last,
 * because parsing a URL with {@link URI} is a third of the parse and most publishers use few URLs.
 */
public final class PublishRequest {
  private static final int MAX_TARGET_URL = 8192;
  static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
  private static final Pattern GROUP_NAME = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");
  /** An HTTP header name (RFC 9110 token). */
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final String FORWARD = "upstash-forward-";
  /** Never forwarded: they describe the hop to Courier, not the message, or would break the delivery. */
  private static final Set<String> HOP_HEADERS = Set.of("host", "content-length", "transfer-encoding", "connection",
      "keep-alive", "upgrade", "te", "trailer", "proxy-authorization", "proxy-connection", "expect");
  private static final int MAX_LABELS = 32;
  private static final int MAX_LABEL_LENGTH = 256;
  private static final int MAX_DEDUP_ID_LENGTH = 1024;

  private static final int VALID_URLS = 1024;

  private final LimitsConfig limits;
  /** Destination URLs (query included) that passed {@link #checkUrl}; least recently used dropped. */
  private final Map<String, Boolean> validUrls = new LinkedHashMap<>(VALID_URLS, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > VALID_URLS;
    }
  };

  private final Keys keys;
  private final NetworkPolicy policy;

  /** For one shard. */
  public PublishRequest(LimitsConfig limits) {
    this(limits, new Keys("courier", 1));
  }

  /** @param keys says which shard a new message's id names (its queue's, or any) */
  public PublishRequest(LimitsConfig limits, Keys keys) {
    this(limits, keys, NetworkPolicy.local());
  }

  /** @param policy the SSRF guard: a destination or callback given as a denied literal address is a 400 */
  public PublishRequest(LimitsConfig limits, Keys keys, NetworkPolicy policy) {
    this.limits = limits;
    this.keys = keys;
    this.policy = policy;
  }

  /** A publish to a URL, in no queue. */
  public NewMessage parse(String destination, String rawQuery, MultiMap headers, Buffer body, String callerIp,
      long now) {
    return parse(destination, rawQuery, headers, body, callerIp, now, null);
  }

  /** A publish or enqueue to a URL; a URL group name answers 404 (see {@link #parsePublish} for groups). */
  public NewMessage parse(String destination, String rawQuery, MultiMap headers, Buffer body, String callerIp,
      long now, String queueName) {
    ParsedPublish p = parsePublish(destination, rawQuery, headers, body, callerIp, now, queueName);
    if (p.group() != null) {
      throw TopicsHandler.notFound(p.group());
    }
    return p.message();
  }

  /**
   * @param destination the raw path after {@code /v2/publish/} (percent-encoding and {@code //} intact): a URL
   *     or a URL group's name
   * @param rawQuery the raw query string, or null
   * @param queueName the queue to enqueue to (a valid name, see {@link #validQueueName}), null for none
   */
  public ParsedPublish parsePublish(String destination, String rawQuery, MultiMap headers, Buffer body,
      String callerIp, long now, String queueName) {
    checkHeaderSize(headers);
    if (body.length() > limits.maxBodySize()) {
      throw new ApiException(413, "message body too large: " + body.length() + " bytes, limit " + limits.maxBodySize());
    }
    PublishOptions opts = new PublishOptions(headers);
    String keptQuery = opts.query(rawQuery);
    String group = groupName(destination);
    String url = null;
    if (group == null) {
      url = destinationUrl(destination, keptQuery);
    } else if (keptQuery != null && !keptQuery.isEmpty()) {
      throw ApiException.badRequest("a url group destination takes no query string (only upstash-* options):"
          + " its endpoints' URLs are used as they are");
    }
    List<String> names = opts.names();
    boolean callbackOptions = refuseScheduleOptions(names);

    String method = opts.get("upstash-method");
    method = method == null ? "POST" : method.trim().toUpperCase(Locale.ROOT);
    if (!METHODS.contains(method)) {
      throw ApiException.badRequest("invalid Upstash-Method: must be one of GET, POST, PUT, PATCH, DELETE");
    }
    Map<String, List<String>> forwarded = forwardedHeaders(headers, opts);
    int maxRetries = retries(opts.get("upstash-retries"));
    long timeoutMs = timeout(opts.get("upstash-timeout"));
    long due = due(opts.get("upstash-delay"), opts.get("upstash-not-before"), now);
    String expr = retryDelay("Upstash-Retry-Delay", opts.get("upstash-retry-delay"));
    List<String> labels = labels(opts.get("upstash-label"));
    String dedupId = opts.get("upstash-deduplication-id");
    if (dedupId != null && (dedupId.isEmpty() || dedupId.length() > MAX_DEDUP_ID_LENGTH)) {
      throw ApiException.badRequest("invalid Upstash-Deduplication-Id: 1 to " + MAX_DEDUP_ID_LENGTH + " characters");
    }
    boolean contentBased = "true".equalsIgnoreCase(opts.get("upstash-content-based-deduplication"));
    FlowControl flowControl = FlowControlHeader.parse(opts.get("upstash-flow-control-key"),
        opts.get("upstash-flow-control-value"));
    if (flowControl != null && queueName != null) {
      throw ApiException.badRequest("Upstash-Flow-Control-Key cannot be used when enqueueing (queue " + queueName
          + "): a message passes one gate, its queue or its flow-control key; publish it with the key, or enqueue"
          + " it without; the message was not stored (docs/api-decisions.md)");
    }
    Callbacks callbacks = callbackOptions ? CallbackHeaders.parse(opts::get, names, limits, policy) : null;
    Redaction redaction = null;
    if (opts.get("upstash-redact-fields") != null) {
      try {
        redaction = Redaction.parse(opts.get("upstash-redact-fields"));
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("invalid Upstash-Redact-Fields: " + e.getMessage()
            + " (use body, header, header[Name], comma-separated)");
      }
    }
    return new ParsedPublish(keys, url, group, method, HeaderCodec.encode(forwarded), forwarded, body, maxRetries,
        expr, timeoutMs, now, due, callerIp, labels, dedupId, contentBased, queueName, flowControl, callbacks,
        redaction);
  }

  /** The URL group a destination names, null when it is a URL; 400 when it is neither. */
  private static String groupName(String raw) {
    if (startsWithIgnoreCase(raw, "http:/") || startsWithIgnoreCase(raw, "https:/")) {
      return null;
    }
    if (SCHEME.matcher(raw).matches()) {
      throw ApiException.badRequest("invalid destination url: endpoint has invalid scheme, add http:// or https://");
    }
    if (raw.isEmpty() || raw.length() > 128 || !GROUP_NAME.matcher(raw).matches()) {
      throw ApiException.badRequest("invalid destination: expected an http(s) URL or a url group name"
          + " (1 to 128 of the characters A-Z a-z 0-9 . _ -)");
    }
    return raw;
  }

  /**
   * A schedule's options. On a publish they would be accepted and ignored (no schedule would be created):
   * such a publish is refused, naming the option, and nothing is stored.
   */
  private static final Map<String, String> SCHEDULE_ONLY = Map.of(
      "upstash-cron", "Upstash-Cron",
      "upstash-schedule-id", "Upstash-Schedule-Id");

  /** @return whether any option name is a callback's (most publishes have none: their parse is skipped) */
  private static boolean refuseScheduleOptions(List<String> names) {
    boolean callbacks = false;
    for (String name : names) {
      if (!name.regionMatches(true, 0, "upstash-", 0, 8)) {
        continue; // most headers are not options: no lower-casing for them
      }
      String lower = name.toLowerCase(Locale.ROOT);
      callbacks |= lower.startsWith("upstash-callback") || lower.startsWith("upstash-failure-callback");
      String known = SCHEDULE_ONLY.get(lower);
      if (known != null) {
        throw ApiException.badRequest(known + " is for schedules: POST /v2/schedules/{destination}; the message"
            + " was not stored");
      }
      if (lower.equals("upstash-queue-name")) {
        throw ApiException.badRequest("Upstash-Queue-Name is for schedules; to enqueue, POST to"
            + " /v2/enqueue/{queue}/{destination}; the message was not stored");
      }
    }
    return callbacks;
  }

  /** What a queue may be called (qstash-api.md §13). */
  public static boolean validQueueName(String name) {
    return name != null && !name.isEmpty() && name.length() <= 128 && GROUP_NAME.matcher(name).matches();
  }

  /** Visible ASCII, spaces, tabs and non-ASCII text: what an HTTP header value may carry. */
  static boolean deliverable(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  /**
   * The HTTP parser stops at the same limit before a request exists (ApiVerticle); kept so that parse
   * holds the rule by itself, whoever calls it.
   */
  private void checkHeaderSize(MultiMap headers) {
    long size = 0;
    for (var h : headers) {
      size += h.getKey().length() + h.getValue().length() + 4;
    }
    if (size > limits.maxHeaderSize()) {
      throw new ApiException(431, "request headers too large: " + size + " bytes, limit " + limits.maxHeaderSize());
    }
  }

  private String destinationUrl(String raw, String keptQuery) {
    String url;
    if (startsWithIgnoreCase(raw, "https://") || startsWithIgnoreCase(raw, "http://")) {
      url = raw;
    } else if (startsWithIgnoreCase(raw, "https:/") || startsWithIgnoreCase(raw, "http:/")) {
      // Some proxies merge the double slash; qstash-api.md §4 asks to accept it.
      int colon = raw.indexOf(':');
      url = raw.substring(0, colon) + "://" + raw.substring(colon + 2);
    } else {
      throw new IllegalStateException("not a URL: groupName() said otherwise"); // unreachable
    }
    if (keptQuery != null && !keptQuery.isEmpty()) {
      url = url + "?" + keptQuery;
    }
    if (validUrls.get(url) == null) {
      checkUrl(url, policy);
      validUrls.put(url, Boolean.TRUE);
    }
    return url;
  }

  /**
   * A destination URL Courier can send to: a host, a valid port, not a literal address the SSRF guard denies
   * (a name is checked on the connection at delivery); else 400.
   */
  static void checkUrl(String url, NetworkPolicy policy) {
    try {
      URI uri = new URI(Urls.lenientForParsing(url));
      String host = Urls.host(uri);
      if (host == null) {
        throw ApiException.badRequest("invalid destination url: missing host");
      }
      String denial = policy.literalDenial(host);
      if (denial != null) {
        throw ApiException.badRequest("destination not allowed: " + host + ": " + denial);
      }
      if (!Urls.validPort(uri)) {
        throw ApiException.badRequest("invalid destination url: port must be a number from 1 to 65535");
      }
    } catch (URISyntaxException e) {
      throw ApiException.badRequest("invalid destination url: " + e.getReason());
    }
  }

  private static boolean startsWithIgnoreCase(String s, String prefix) {
    return s.regionMatches(true, 0, prefix, 0, prefix.length());
  }

  private Map<String, List<String>> forwardedHeaders(MultiMap headers, PublishOptions opts) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    boolean forwardAll = "true".equalsIgnoreCase(opts.get("upstash-header-forward"));
    for (var h : headers) {
      // Case-insensitive tests first: most headers of a publish are neither forwarded nor Content-Type,
      // and lower-casing each of them was a visible cost.
      String key = h.getKey();
      String name = null;
      if (key.equalsIgnoreCase("content-type")) {
        out.computeIfAbsent("Content-Type", k -> new ArrayList<>()).add(h.getValue());
        continue;
      } else if (key.regionMatches(true, 0, FORWARD, 0, FORWARD.length())) {
        name = key.substring(FORWARD.length()).toLowerCase(Locale.ROOT);
      } else if (forwardAll && !key.regionMatches(true, 0, "upstash-", 0, 8) && !key.equalsIgnoreCase("authorization")) {
        name = key.toLowerCase(Locale.ROOT);
      }
      if (name != null && !name.isEmpty() && !HOP_HEADERS.contains(name)) {
        // HTTP's parser lets only tokens through, but a batch item's headers are JSON keys, which can be anything
        // (a space, CR LF): such a name could never be sent, so every attempt would fail on it.
        if (!TOKEN.matcher(name).matches()) {
          throw ApiException.badRequest("invalid forwarded header name in header " + key.substring(0,
              Math.min(key.length(), 64)).replaceAll("[^!-~]", "?") + ": not an HTTP token");
        }
        out.computeIfAbsent(HeaderNames.canonical(name), k -> new ArrayList<>()).add(h.getValue());
      }
    }
    for (var q : opts.queryOptions.entrySet()) {
      if (q.getKey().startsWith(FORWARD) && q.getKey().length() > FORWARD.length()) {
        String name = q.getKey().substring(FORWARD.length());
        // A query parameter is decoded, so unlike a header it can hold any character: a name must still
        // be an HTTP token.
        if (!TOKEN.matcher(name).matches()) {
          throw ApiException.badRequest("invalid forwarded header name in query parameter " + q.getKey());
        }
        if (!HOP_HEADERS.contains(name)) {
          out.computeIfAbsent(HeaderNames.canonical(name), k -> new ArrayList<>()).add(q.getValue());
        }
      }
    }
    for (var h : out.entrySet()) {
      for (String value : h.getValue()) {
        if (!deliverable(value)) {
          // CR or LF would split the delivery's header (Vert.x refuses to send it): refused now, not
          // stored to fail at every attempt.
          throw ApiException.badRequest("invalid value for forwarded header " + h.getKey()
              + ": control characters are not allowed");
        }
      }
    }
    return out;
  }

  int retries(String value) {
    if (value == null) {
      return limits.defaultRetries();
    }
    int n;
    try {
      n = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid Upstash-Retries: not a whole number");
    }
    if (n < 0 || n > limits.maxRetries()) {
      throw ApiException.badRequest("invalid Upstash-Retries: must be between 0 and " + limits.maxRetries());
    }
    return n;
  }

  long timeout(String value) {
    if (value == null) {
      return limits.defaultTimeoutMs();
    }
    long ms = duration("Upstash-Timeout", value);
    if (ms <= 0) {
      throw ApiException.badRequest("invalid Upstash-Timeout: must be positive");
    }
    return Math.min(ms, limits.maxTimeoutMs()); // capped at the maximum, as QStash caps at the plan's
  }

  long due(String delay, String notBefore, long now) {
    long due = now;
    if (notBefore != null) {
      long seconds;
      try {
        seconds = Long.parseLong(notBefore.trim());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid Upstash-Not-Before: expected unix seconds");
      }
      if (seconds < 0 || seconds > (now + limits.maxDelayMs()) / 1000) {
        throw ApiException.badRequest("invalid Upstash-Not-Before: must be at most " + limits.maxDelayMs() / 1000
            + " seconds from now");
      }
      due = Math.max(now, seconds * 1000); // wins over Upstash-Delay
    } else if (delay != null) {
      long ms = duration("Upstash-Delay", delay);
      if (ms > limits.maxDelayMs()) {
        throw ApiException.badRequest("invalid Upstash-Delay: must be at most " + limits.maxDelayMs() / 1000 + "s");
      }
      due = now + ms;
    }
    return due;
  }

  /** A retry-delay expression ({@code header} names it), checked; null stays null. */
  static String retryDelay(String header, String expr) {
    if (expr != null) {
      try {
        RetryDelayExpression.parse(expr);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(header.equals("Upstash-Retry-Delay") ? e.getMessage()
            : "invalid " + header + ": " + e.getMessage());
      }
    }
    return expr;
  }

  /**
   * A URL given in a header or a body (a callback, a URL group's endpoint): http or https, at most 8 KiB, then
   * as a destination ({@link #checkUrl}); else 400, its message starting with {@code what}.
   */
  static void checkTargetUrl(String what, String url, NetworkPolicy policy) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (url.length() > MAX_TARGET_URL || !(lower.startsWith("http://") || lower.startsWith("https://"))
        || url.indexOf('\n') >= 0) {
      throw ApiException.badRequest(what + ": an http:// or https:// URL of at most " + MAX_TARGET_URL
          + " characters is required");
    }
    try {
      checkUrl(url, policy);
    } catch (ApiException e) {
      throw ApiException.badRequest(what + ": " + e.getMessage());
    }
  }

  static long duration(String header, String value) {
    try {
      return Durations.parseMillis(value);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("invalid " + header + ": expected a duration like 30s, 10m, 1h or 1d10h");
    }
  }

  private static List<String> labels(String value) {
    if (value == null) {
      return List.of();
    }
    List<String> labels = new ArrayList<>();
    for (String l : value.split(",")) {
      String t = l.trim();
      if (!t.isEmpty()) {
        if (t.length() > MAX_LABEL_LENGTH) {
          throw ApiException.badRequest("invalid Upstash-Label: a label is at most " + MAX_LABEL_LENGTH + " characters");
        }
        labels.add(t);
      }
    }
    if (labels.size() > MAX_LABELS) {
      throw ApiException.badRequest("invalid Upstash-Label: at most " + MAX_LABELS + " labels");
    }
    return labels;
  }
}
