package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.config.AppConfig.LimitsConfig;
import dev.courier.config.ConfigLoader;
import dev.courier.model.FlowControl;
import dev.courier.model.HeaderCodec;
import dev.courier.model.NewMessage;
import dev.courier.redis.Keys;
import dev.courier.support.Sink;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PublishRequestTest {

  private static final long NOW = 1_700_000_000_123L;
  private static final String URL = "https://example.com/hook";
  private static final LimitsConfig DEFAULTS = limits(Map.of());

  private final PublishRequest parser = new PublishRequest(DEFAULTS);

  private static LimitsConfig limits(Map<String, String> env) {
    return ConfigLoader.load(env, null, false).limits();
  }

  private static MultiMap headers(String... nameValues) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    return h;
  }

  private NewMessage parse(String destination, String query, MultiMap headers, String body) {
    return parser.parse(destination, query, headers, Buffer.buffer(body), "10.0.0.1", NOW);
  }

  private NewMessage parse(String destination, String... nameValues) {
    return parse(destination, null, headers(nameValues), "{}");
  }

  private NewMessage withHeaders(String... nameValues) {
    return parse(URL, nameValues);
  }

  private ApiException rejected(String destination, String query, String... nameValues) {
    return assertThrows(ApiException.class, () -> parse(destination, query, headers(nameValues), "{}"));
  }

  private ApiException rejectedHeaders(String... nameValues) {
    return rejected(URL, null, nameValues);
  }

  private static Map<String, List<String>> stored(NewMessage msg) {
    return HeaderCodec.decode(msg.headers());
  }

  // ---- destination (§4) -----------------------------------------------------------------------

  @Test
  void keepsDoubleSlashInPath() {
    assertEquals("https://example.com/a//b", parse("https://example.com/a//b").url());
  }

  @Test
  void keepsPercentEncodingAsReceived() {
    assertEquals("https://example.com/a%20b/%C3%A4", parse("https://example.com/a%20b/%C3%A4").url());
  }

  @Test
  void plainHttpAndPortAreAccepted() {
    assertEquals("http://127.0.0.1:9000/sink", parse("http://127.0.0.1:9000/sink").url());
  }

  @Test
  void singleSlashAfterSchemeIsNormalised() {
    assertEquals("https://example.com/x", parse("https:/example.com/x").url());
    assertEquals("http://example.com", parse("http:/example.com").url());
  }

  /**
   * A forwarded header from a query parameter is decoded, so it could carry CR LF: refused at publish,
   * rather than stored to fail (or split the header) at every delivery. The same for a header's value.
   */
  @Test
  void scheduleOptionsOnAPublishAreRefusedByNameNotIgnored() {
    for (String header : List.of("Upstash-Cron", "Upstash-Schedule-Id", "upstash-cron")) {
      ApiException e = assertThrows(ApiException.class, () -> parse(URL, null, headers(header, "https://x.io/cb"), "b"),
          header);
      assertEquals(400, e.status());
      assertTrue(e.getMessage().toLowerCase().startsWith(header.toLowerCase() + " is for schedules"), e.getMessage());
    }
    ApiException q = assertThrows(ApiException.class,
        () -> parse(URL, "upstash-cron=*", headers(), "b"), "webhook mode too");
    assertTrue(q.getMessage().startsWith("Upstash-Cron is for schedules: POST /v2/schedules/"), q.getMessage());
    ApiException queue = assertThrows(ApiException.class, () -> parse(URL, null, headers("Upstash-Queue-Name", "q"), "b"));
    assertTrue(queue.getMessage().contains("/v2/enqueue/{queue}/{destination}"), queue.getMessage());
  }

  @Test
  void callbacksAreReadWithTheirSettings() {
    NewMessage m = parse(URL, null, headers("Upstash-Callback", "https://cb.example/ok", "Upstash-Callback-Retries", "2",
        "Upstash-Callback-Timeout", "5s", "Upstash-Callback-Delay", "1m", "Upstash-Callback-Method", "put",
        "Upstash-Callback-Retry-Delay", "1000", "Upstash-Callback-Forward-X-Token", "t1",
        "Upstash-Failure-Callback", "https://cb.example/fail"), "b");
    var cb = m.callbacks().callback();
    assertEquals("https://cb.example/ok", cb.url());
    assertEquals("PUT", cb.method());
    assertEquals(2, cb.retries());
    assertEquals(5_000L, cb.timeoutMs());
    assertEquals(60_000L, cb.delayMs());
    assertEquals("1000", cb.retryDelayExpression());
    assertEquals(Map.of("X-Token", List.of("t1")), dev.courier.model.HeaderCodec.decode(cb.headers()));
    var failure = m.callbacks().failureCallback();
    assertEquals("https://cb.example/fail", failure.url());
    assertEquals("POST", failure.method());
    assertEquals(null, failure.retries(), "the source's retries, when the callback message is made");
    assertTrue(!m.headers().contains("Token"), "a callback's header is not forwarded to the destination");
    var back = dev.courier.model.MessageCodec.decode(dev.courier.model.MessageCodec.encode(m.stored()));
    assertEquals(m.callbacks(), back.callbacks(), "stored and read back");
  }

  @Test
  void badCallbackSettingsAre400NamingThem() {
    record Case(List<String> headers, String says) {}
    for (Case c : List.of(
        new Case(List.of("Upstash-Callback", "ftp://x"), "invalid Upstash-Callback"),
        new Case(List.of("Upstash-Callback", "not a url"), "invalid Upstash-Callback"),
        new Case(List.of("Upstash-Callback-Retries", "2"), "without Upstash-Callback"),
        new Case(List.of("Upstash-Failure-Callback-Forward-X", "1"), "without Upstash-Failure-Callback"),
        new Case(List.of("Upstash-Callback", "https://x.io", "Upstash-Callback-Retries", "lots"), "Upstash-Callback-Retries"),
        new Case(List.of("Upstash-Callback", "https://x.io", "Upstash-Callback-Method", "FETCH"), "Upstash-Callback-Method"),
        new Case(List.of("Upstash-Callback", "https://x.io", "Upstash-Callback-Timeout", "soon"), "Upstash-Callback-Timeout"),
        new Case(List.of("Upstash-Callback", "https://x.io", "Upstash-Callback-Delay", "-1s"), "Upstash-Callback-Delay"),
        new Case(List.of("Upstash-Callback", "https://x.io", "Upstash-Callback-Retry-Delay", "pow("), "Upstash-Callback-Retry-Delay"),
        new Case(List.of("Upstash-Callback", "https://x.io", "Upstash-Callback-Color", "red"), "Upstash-Callback-Color"))) {
      ApiException e = assertThrows(ApiException.class,
          () -> parse(URL, null, headers(c.headers().toArray(String[]::new)), "b"), c.toString());
      assertEquals(400, e.status());
      assertTrue(e.getMessage().contains(c.says()), c + ": " + e.getMessage());
    }
  }

  @Test
  void flowControlIsReadLenientlyAndRoutedByItsKey() {
    Keys keys = new Keys("courier", 8);
    PublishRequest sharded = new PublishRequest(DEFAULTS, keys);
    record Case(String value, FlowControl expected) {}
    for (Case c : List.of(
        new Case("parallelism=2, rate=5, period=1m", new FlowControl("k", 2, 5, 60_000)),
        new Case("rate=10,parallelism=5,period=60", new FlowControl("k", 5, 10, 60_000)),
        new Case("  ratePerSecond = 3 ", new FlowControl("k", 0, 3, 1_000)),
        new Case("parallelism=1", new FlowControl("k", 1, 0, 0)),
        new Case("Parallelism=4,,PERIOD=1h30m,rate=1", new FlowControl("k", 4, 1, 5_400_000)),
        new Case("rate=2, period=7d", new FlowControl("k", 0, 2, 604_800_000)))) {
      NewMessage m = sharded.parse(URL, null, headers("Upstash-Flow-Control-Key", "k", "Upstash-Flow-Control-Value",
          c.value()), Buffer.buffer("b"), null, NOW);
      assertEquals(c.expected(), m.flowControl(), c.value());
      assertEquals("f:k", m.gate());
      assertEquals(keys.shardOfRoutingKey("k"), keys.shardOf(m.id()), "in the shard of its key");
    }
    NewMessage webhook = parse(URL, "upstash-flow-control-key=t%3A1%40x&upstash-flow-control-value=rate%3D1",
        headers(), "b");
    assertEquals(new FlowControl("t:1@x", 0, 1, 1_000), webhook.flowControl(), "as query parameters too");
  }

  @Test
  void badFlowControlIsA400NamingTheProblem() {
    record Case(String key, String value, String says) {}
    for (Case c : List.of(
        new Case("k", null, "Upstash-Flow-Control-Key needs an Upstash-Flow-Control-Value"),
        new Case(null, "rate=1", "Upstash-Flow-Control-Value needs an Upstash-Flow-Control-Key"),
        new Case("k", "period=1m", "give parallelism and/or rate"),
        new Case("k", "", "give parallelism and/or rate"),
        new Case("k", "parallelism=0", "parallelism must be a whole number of at least 1"),
        new Case("k", "rate=-1", "rate must be a whole number of at least 1"),
        new Case("k", "rate=1.5", "rate must be a whole number"),
        new Case("k", "parallelism=x", "parallelism must be a whole number"),
        new Case("k", "rate=1,burst=3", "unknown parameter 'burst'"),
        new Case("k", "rate=1,period=8d", "period must be from 1s to 1 week"),
        new Case("k", "rate=1,period=0", "period must be from 1s to 1 week"),
        new Case("k", "rate=1,period=soon", "period must be seconds or a duration"),
        new Case("k", "rate=1,ratePerSecond=2", "rate is given twice"),
        new Case("k", "parallelism", "'parallelism' is not name=value"),
        new Case("a b", "rate=1", "invalid Upstash-Flow-Control-Key"),
        new Case("x".repeat(129), "rate=1", "invalid Upstash-Flow-Control-Key"))) {
      List<String> h = new ArrayList<>();
      if (c.key() != null) {
        h.addAll(List.of("Upstash-Flow-Control-Key", c.key()));
      }
      if (c.value() != null) {
        h.addAll(List.of("Upstash-Flow-Control-Value", c.value()));
      }
      ApiException e = assertThrows(ApiException.class, () -> parse(URL, null, headers(h.toArray(String[]::new)), "b"),
          c.toString());
      assertEquals(400, e.status());
      assertTrue(e.getMessage().contains(c.says()), c + ": " + e.getMessage());
    }
    ApiException both = assertThrows(ApiException.class, () -> parser.parse(URL, null, headers(
        "Upstash-Flow-Control-Key", "k", "Upstash-Flow-Control-Value", "rate=1"), Buffer.buffer("b"), null, NOW, "q"));
    assertTrue(both.getMessage().contains("Upstash-Flow-Control-Key cannot be used when enqueueing (queue q)"),
        both.getMessage());
  }

  @Test
  void forwardedHeadersMustBeValidHttpHeaders() {
    ApiException crlf = assertThrows(ApiException.class,
        () -> parse(URL, "upstash-forward-x-evil=a%0d%0aInjected:%20yes", headers(), "{}"));
    assertEquals(400, crlf.status());
    assertEquals("invalid value for forwarded header X-Evil: control characters are not allowed", crlf.getMessage());
    ApiException name = assertThrows(ApiException.class,
        () -> parse(URL, "upstash-forward-x%20evil=a", headers(), "{}"));
    assertEquals("invalid forwarded header name in query parameter upstash-forward-x evil", name.getMessage());
    assertEquals(400, assertThrows(ApiException.class,
        () -> withHeaders("Upstash-Forward-X-Tab", "a\u000bb")).status());
    // What a header may hold is kept: tabs, spaces, non-ASCII text.
    NewMessage ok = parse(URL, "upstash-forward-x-text=caf%C3%A9%09au%20lait", headers(), "{}");
    assertEquals(List.of("café\tau lait"), stored(ok).get("X-Text"));
  }

  @Test
  void rawQueryIsAppendedWithoutTokenAndUpstashKeys() {
    NewMessage msg = parse(URL, "a=1&qstash_token=secret&upstash-retries=5&upstash-delay=10s&b=x%20y",
        headers(), "{}");
    assertEquals(URL + "?a=1&b=x%20y", msg.url());
    assertEquals(5, msg.maxRetries());
    assertEquals(NOW + 10_000, msg.notBefore());
  }

  @Test
  void queryOfOnlyControlKeysLeavesNoQuestionMark() {
    NewMessage msg = parse(URL, "qstash_token=secret&upstash-method=PUT", headers(), "{}");
    assertEquals(URL, msg.url());
    assertEquals("PUT", msg.method());
  }

  @Test
  void headerWinsOverQueryParameter() {
    NewMessage msg = parse(URL, "upstash-retries=5", headers("Upstash-Retries", "2"), "{}");
    assertEquals(2, msg.maxRetries());
    assertEquals(URL, msg.url());
  }

  @Test
  void queryParameterIsValidatedLikeTheHeader() {
    ApiException e = rejected(URL, "upstash-retries=abc");
    assertEquals(400, e.status());
  }

  @Test
  void otherSchemeIsRejectedWithQstashMessage() {
    ApiException e = rejected("ftp://x", null);
    assertEquals(400, e.status());
    assertEquals("invalid destination url: endpoint has invalid scheme, add http:// or https://", e.getMessage());
  }

  /** Characters java.net.URI calls illegal but Go (so QStash) and the SDK pass through, kept as received. */
  @Test
  void urlsWithCharactersUriRefusesButGoAcceptsAreKeptAsReceived() {
    for (String url : List.of("http://h/p?a=1|2", "http://h/p?q={x}", "http://h/p?a=^`", "http://h/p?a=\\b",
        "http://h/a|b", "http://h/a^b", "http://h/a[0]", "http://h/p?filter[name]=x", "http://h/p?a=\"q\"&b=<c>",
        "http://[::1]:8080/a[0]?x={y}")) {
      assertEquals(url, parse(url, null, headers(), "{}").url(), url);
    }
    for (String bad : List.of("http://h%zz/", "http://h/p%zz", "http://exa mple.com/", "http://[::1/x")) {
      assertEquals(400, rejected(bad, null).status(), bad);
    }
  }

  /** A port out of range was stored and, at delivery, bounced between a throw and the reaper for good. */
  @Test
  void aPortMustBeATcpPort() {
    for (String bad : List.of("http://127.0.0.1:99999/x", "http://127.0.0.1:0/x", "http://127.0.0.1:4294967297/x",
        "http://127.0.0.1:-1/x", "http://127.0.0.1:abc/x", "http://[::1]:70000/x", "http://u:p@h:65536/")) {
      ApiException e = rejected(bad, null);
      assertEquals(400, e.status(), bad);
    }
    for (String good : List.of("http://127.0.0.1:1/x", "http://127.0.0.1:65535/x", "http://[::1]:8080/x",
        "http://[::1]/x", "http://h:/x", "http://u:p@h:443/", "https://my_service:8080/x")) {
      assertEquals(good, parse(good, null, headers(), "{}").url());
    }
  }

  @Test
  void bareNameIsAnUnknownUrlGroup() {
    assertEquals(404, rejected("my-group", null).status());
  }

  @Test
  void emptyDestinationIs400() {
    assertEquals(400, rejected("", null).status());
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://", "https:///path", "http://?a=1", "example.com/path"})
  void missingHostIs400(String destination) {
    assertEquals(400, rejected(destination, null).status());
  }

  // ---- method ---------------------------------------------------------------------------------

  @Test
  void methodDefaultsToPost() {
    assertEquals("POST", withHeaders().method());
  }

  @Test
  void lowerCaseMethodIsAccepted() {
    assertEquals("PUT", withHeaders("Upstash-Method", "put").method());
    assertEquals("DELETE", withHeaders("upstash-method", "DELETE").method());
  }

  @Test
  void unsupportedMethodIs400() {
    assertEquals(400, rejectedHeaders("Upstash-Method", "TRACE").status());
  }

  // ---- forwarded headers (§3) -----------------------------------------------------------------

  @Test
  void forwardPrefixIsStrippedAndNameCanonicalised() {
    assertEquals(Map.of("X-Custom", List.of("v")), stored(withHeaders("Upstash-Forward-X-Custom", "v")));
    // What the SDK actually sends: lower-case names.
    assertEquals(Map.of("X-Custom", List.of("v")), stored(withHeaders("upstash-forward-x-custom", "v")));
  }

  @Test
  void contentTypeIsKept() {
    assertEquals(Map.of("Content-Type", List.of("application/json")),
        stored(withHeaders("content-type", "application/json")));
  }

  @Test
  void authorizationAndControlHeadersAreNeverStored() {
    NewMessage msg = withHeaders(
        "Authorization", "Bearer secret-token",
        "Upstash-Method", "POST",
        "Upstash-Retries", "1",
        "Upstash-Delay", "1s",
        "Upstash-Label", "l",
        "Upstash-Telemetry-Sdk", "upstash-qstash-js@2.12.0",
        "Upstash-Telemetry-Runtime", "node@v20",
        "Upstash-Telemetry-Platform", "vercel",
        "Accept", "*/*",
        "User-Agent", "node",
        "Content-Type", "text/plain",
        "Upstash-Forward-X-Custom", "v");
    assertEquals(Map.of("Content-Type", List.of("text/plain"), "X-Custom", List.of("v")), stored(msg));
    assertFalse(msg.headers().contains("secret-token"), msg.headers());
  }

  @Test
  void valueWithCommaIsOneValue() {
    assertEquals(Map.of("X-List", List.of("a, b")), stored(withHeaders("Upstash-Forward-X-List", "a, b")));
  }

  @Test
  void repeatedForwardHeaderKeepsEveryValueInOrder() {
    assertEquals(Map.of("X-Multi", List.of("1", "2")),
        stored(withHeaders("Upstash-Forward-X-Multi", "1", "upstash-forward-x-multi", "2")));
  }

  @Test
  void hopHeadersAreNotForwarded() {
    NewMessage msg = withHeaders("Upstash-Forward-Host", "evil.example", "Upstash-Forward-Content-Length", "5",
        "Upstash-Forward-Connection", "close", "Upstash-Forward-X-Ok", "1");
    assertEquals(Map.of("X-Ok", List.of("1")), stored(msg));
  }

  @Test
  void forwardHeaderFromQueryParameter() {
    NewMessage msg = parse(URL, "upstash-forward-x-from-query=q%201", headers(), "{}");
    assertEquals(Map.of("X-From-Query", List.of("q 1")), stored(msg));
    assertEquals(URL, msg.url());
  }

  @Test
  void headerForwardTrueForwardsPlainHeadersExceptAuthorization() {
    NewMessage msg = withHeaders(
        "Upstash-Header-Forward", "true",
        "Authorization", "Bearer secret-token",
        "X-Plain", "p",
        "host", "courier.local",
        "content-length", "2",
        "Upstash-Telemetry-Sdk", "sdk",
        "Upstash-Forward-X-Prefixed", "f");
    assertEquals(Map.of("X-Plain", List.of("p"), "X-Prefixed", List.of("f")), stored(msg));
  }

  @Test
  void withoutHeaderForwardPlainHeadersAreDropped() {
    assertEquals(Map.of(), stored(withHeaders("X-Plain", "p", "Upstash-Header-Forward", "false")));
  }

  @Test
  void headerForwardByQueryParameter() {
    NewMessage msg = parse(URL, "upstash-header-forward=true", headers("X-Plain", "p", "Authorization", "Bearer t"),
        "{}");
    assertEquals(Map.of("X-Plain", List.of("p")), stored(msg));
  }

  // ---- retries, timeout -----------------------------------------------------------------------

  @Test
  void retriesDefaultAndExplicit() {
    assertEquals(3, withHeaders().maxRetries());
    assertEquals(0, withHeaders("Upstash-Retries", "0").maxRetries());
    assertEquals(DEFAULTS.maxRetries(), withHeaders("Upstash-Retries", "" + DEFAULTS.maxRetries()).maxRetries());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "abc", "1.5", "", "21"})
  void badRetriesAre400(String value) {
    assertEquals(20, DEFAULTS.maxRetries(), "test assumes the documented default max-retries");
    assertEquals(400, rejectedHeaders("Upstash-Retries", value).status());
  }

  @Test
  void timeoutParsesDurations() {
    assertEquals(30_000, withHeaders("Upstash-Timeout", "30s").timeoutMs());
    assertEquals(120_000, withHeaders("Upstash-Timeout", "2m").timeoutMs());
  }

  @Test
  void timeoutAboveMaxIsCapped() {
    assertEquals(DEFAULTS.maxTimeoutMs(), withHeaders("Upstash-Timeout", "1d").timeoutMs());
  }

  @Test
  void timeoutDefaultsWhenAbsent() {
    assertEquals(DEFAULTS.defaultTimeoutMs(), withHeaders().timeoutMs());
    assertEquals(30_000, DEFAULTS.defaultTimeoutMs());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "0s", "abc", "-5s", "5ms"})
  void badTimeoutIs400(String value) {
    assertEquals(400, rejectedHeaders("Upstash-Timeout", value).status());
  }

  // ---- delay, not-before ----------------------------------------------------------------------

  @Test
  void delayIsRelativeToNow() {
    assertEquals(NOW + 10_000, withHeaders("Upstash-Delay", "10s").notBefore());
    assertEquals(NOW + 124_200_000L, withHeaders("Upstash-Delay", "1d10h30m").notBefore());
    assertEquals(NOW, withHeaders("Upstash-Delay", "0s").notBefore());
  }

  @Test
  void delayAtMaxIsAcceptedAboveIs400() {
    long maxDays = DEFAULTS.maxDelayMs() / 86_400_000L;
    assertEquals(NOW + DEFAULTS.maxDelayMs(), withHeaders("Upstash-Delay", maxDays + "d").notBefore());
    assertEquals(400, rejectedHeaders("Upstash-Delay", (maxDays + 1) + "d").status());
  }

  @ParameterizedTest
  @ValueSource(strings = {"soon", "-10s", "10x", "1h 30m"})
  void garbageDelayIs400(String value) {
    assertEquals(400, rejectedHeaders("Upstash-Delay", value).status());
  }

  @Test
  void notBeforeIsUnixSecondsAndWinsOverDelay() {
    long at = NOW / 1000 + 100;
    assertEquals(at * 1000, withHeaders("Upstash-Not-Before", "" + at).notBefore());
    assertEquals(at * 1000, withHeaders("Upstash-Delay", "10s", "Upstash-Not-Before", "" + at).notBefore());
    assertEquals(at * 1000, withHeaders("Upstash-Delay", "1d", "Upstash-Not-Before", "" + at).notBefore());
  }

  @Test
  void pastNotBeforeClampsToNow() {
    assertEquals(NOW, withHeaders("Upstash-Not-Before", "1").notBefore());
    assertEquals(NOW, withHeaders("Upstash-Not-Before", "0").notBefore());
    assertEquals(NOW, withHeaders("Upstash-Not-Before", "" + (NOW / 1000 - 3600)).notBefore());
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "-5", "1700000000.5", "10s"})
  void badNotBeforeIs400(String value) {
    assertEquals(400, rejectedHeaders("Upstash-Not-Before", value).status());
  }

  @Test
  void notBeforeBeyondMaxDelayIs400() {
    long tooFar = (NOW + DEFAULTS.maxDelayMs()) / 1000 + 3600;
    assertEquals(400, rejectedHeaders("Upstash-Not-Before", "" + tooFar).status());
  }

  @Test
  void noDelayMeansDueNow() {
    NewMessage msg = withHeaders();
    assertEquals(NOW, msg.createdAt());
    assertEquals(NOW, msg.notBefore());
  }

  // ---- retry delay, labels --------------------------------------------------------------------

  @Test
  void retryDelayExpressionIsKept() {
    assertEquals("pow(2, retried) * 1000",
        withHeaders("Upstash-Retry-Delay", "pow(2, retried) * 1000").retryDelayExpression());
    assertNull(withHeaders().retryDelayExpression());
  }

  @Test
  void badRetryDelayExpressionIs400() {
    ApiException e = rejectedHeaders("Upstash-Retry-Delay", "foo(");
    assertEquals(400, e.status());
    assertTrue(e.getMessage().startsWith("invalid retry delay expression"), e.getMessage());
  }

  @Test
  void labelsAreCommaSplit() {
    assertEquals(List.of("a", "b"), withHeaders("Upstash-Label", "a,b").labels());
    assertEquals(List.of("a", "b"), withHeaders("Upstash-Label", " a , b ,").labels());
    assertEquals(List.of(), withHeaders().labels());
  }

  @Test
  void tooManyLabelsIs400() {
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 33; i++) {
      many.append(i == 0 ? "" : ",").append("l").append(i);
    }
    assertEquals(400, rejectedHeaders("Upstash-Label", many.toString()).status());
    // 32 is still fine.
    String thirtyTwo = many.substring(0, many.lastIndexOf(","));
    assertEquals(32, withHeaders("Upstash-Label", thirtyTwo).labels().size());
  }

  @Test
  void tooLongLabelIs400() {
    assertEquals(400, rejectedHeaders("Upstash-Label", "x".repeat(257)).status());
    assertEquals(List.of("x".repeat(256)), withHeaders("Upstash-Label", "x".repeat(256)).labels());
  }

  // ---- deduplication (§17) --------------------------------------------------------------------

  @Test
  void noDedupMeansNoHash() {
    assertNull(withHeaders().dedupHash());
    assertNull(withHeaders("Upstash-Content-Based-Deduplication", "false").dedupHash());
  }

  @Test
  void dedupIdIsScopedToTheDestination() {
    String a = parse(URL, "Upstash-Deduplication-Id", "id-1").dedupHash();
    String b = parse(URL, "Upstash-Deduplication-Id", "id-1").dedupHash();
    String otherUrl = parse(URL + "/other", "Upstash-Deduplication-Id", "id-1").dedupHash();
    String otherId = parse(URL, "Upstash-Deduplication-Id", "id-2").dedupHash();
    assertNotNull(a);
    assertEquals(a, b);
    assertNotEquals(a, otherUrl);
    assertNotEquals(a, otherId);
  }

  @Test
  void dedupIdIgnoresBody() {
    String a = parse(URL, null, headers("Upstash-Deduplication-Id", "id-1"), "one").dedupHash();
    String b = parse(URL, null, headers("Upstash-Deduplication-Id", "id-1"), "two").dedupHash();
    assertEquals(a, b);
  }

  @Test
  void emptyOrHugeDedupIdIs400() {
    assertEquals(400, rejectedHeaders("Upstash-Deduplication-Id", "").status());
    assertEquals(400, rejectedHeaders("Upstash-Deduplication-Id", "d".repeat(1025)).status());
  }

  @Test
  void contentBasedDedupHashesBodyAndHeaders() {
    MultiMap h = headers("Upstash-Content-Based-Deduplication", "true", "Content-Type", "text/plain",
        "Upstash-Forward-X-A", "1");
    String a = parse(URL, null, h, "body").dedupHash();
    assertNotNull(a);
    assertEquals(a, parse(URL, null, h, "body").dedupHash());
    assertNotEquals(a, parse(URL, null, h, "other body").dedupHash());
    assertNotEquals(a, parse(URL + "/x", null, h, "body").dedupHash());
    MultiMap otherType = headers("Upstash-Content-Based-Deduplication", "true", "Content-Type", "text/html",
        "Upstash-Forward-X-A", "1");
    assertNotEquals(a, parse(URL, null, otherType, "body").dedupHash());
    MultiMap otherForward = headers("Upstash-Content-Based-Deduplication", "true", "Content-Type", "text/plain",
        "Upstash-Forward-X-A", "2");
    assertNotEquals(a, parse(URL, null, otherForward, "body").dedupHash());
  }

  @Test
  void contentBasedDedupIgnoresHeaderOrder() {
    MultiMap ab = headers("Upstash-Content-Based-Deduplication", "true", "Upstash-Forward-X-A", "1",
        "Upstash-Forward-X-B", "2");
    MultiMap ba = headers("Upstash-Forward-X-B", "2", "Upstash-Forward-X-A", "1",
        "Upstash-Content-Based-Deduplication", "true");
    assertEquals(parse(URL, null, ab, "b").dedupHash(), parse(URL, null, ba, "b").dedupHash());
  }

  @Test
  void contentBasedDedupIgnoresControlHeaders() {
    MultiMap plain = headers("Upstash-Content-Based-Deduplication", "true");
    MultiMap withTelemetry = headers("Upstash-Content-Based-Deduplication", "true",
        "Upstash-Telemetry-Sdk", "upstash-qstash-js@2.12.0", "Authorization", "Bearer t");
    assertEquals(parse(URL, null, plain, "b").dedupHash(), parse(URL, null, withTelemetry, "b").dedupHash());
  }

  // ---- sizes ----------------------------------------------------------------------------------

  @Test
  void bodyOverLimitIs413() {
    PublishRequest small = new PublishRequest(limits(Map.of("COURIER_LIMITS_MAX_BODY_SIZE", "16")));
    small.parse(URL, null, headers(), Buffer.buffer("x".repeat(16)), "ip", NOW);
    ApiException e = assertThrows(ApiException.class,
        () -> small.parse(URL, null, headers(), Buffer.buffer("x".repeat(17)), "ip", NOW));
    assertEquals(413, e.status());
  }

  @Test
  void headersOverLimitAre431() {
    PublishRequest small = new PublishRequest(limits(Map.of("COURIER_LIMITS_MAX_HEADER_SIZE", "1024")));
    small.parse(URL, null, headers("Upstash-Forward-X-Big", "v".repeat(900)), Buffer.buffer("{}"), "ip", NOW);
    ApiException e = assertThrows(ApiException.class, () -> small.parse(URL, null,
        headers("Upstash-Forward-X-Big", "v".repeat(900), "X-Other", "o".repeat(200)), Buffer.buffer("{}"), "ip",
        NOW));
    assertEquals(431, e.status());
  }

  // ---- identity -------------------------------------------------------------------------------

  @Test
  void idsAreFreshMessageIdsThatNameTheirShard() {
    NewMessage a = withHeaders();
    NewMessage b = withHeaders();
    assertTrue(a.id().matches("msg_0_[0-9A-Za-z]{24}"), a.id());
    assertNotEquals(a.id(), b.id());
    // The first 7 characters are the time of creation: ids made later sort later (the event log's index grows
    // at its end), and the id still says nothing of the message.
    String earlier = Keys.messageId(0);
    long t = System.currentTimeMillis();
    Sink.waitFor(() -> System.currentTimeMillis() > t + 1, 1_000, "two milliseconds");
    String later = Keys.messageId(0);
    assertTrue(earlier.compareTo(later) < 0, earlier + " then " + later);
  }

  @Test
  void aQueuedMessageIsInItsQueuesShardAndAnyOtherInAnyShard() {
    Keys keys = new Keys("courier", 4);
    PublishRequest four = new PublishRequest(DEFAULTS, keys);
    Set<Integer> shards = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      NewMessage queued = four.parse(URL, null, headers(), Buffer.buffer("x"), "ip", NOW, "orders");
      assertEquals(keys.shardOfRoutingKey("orders"), keys.shardOf(queued.id()), queued.id());
      assertEquals("orders", queued.queueName());
      shards.add(keys.shardOf(four.parse(URL, null, headers(), Buffer.buffer("x"), "ip", NOW).id()));
    }
    assertEquals(Set.of(0, 1, 2, 3), shards, "plain messages spread over every shard");
  }

  @Test
  void bodyAndCallerIpAreCarried() {
    NewMessage msg = parse(URL, null, headers(), "{\"hello\":\"world\"}");
    assertEquals("{\"hello\":\"world\"}", msg.body().toString());
    assertEquals("10.0.0.1", msg.callerIp());
  }

  @Test
  void underscoreHostAndUpperCaseSchemeAreAccepted() {
    PublishRequest p = new PublishRequest(ConfigLoader.load(Map.of(), null, false).limits());
    assertEquals("http://my_service:8080/hook", p.parse("http://my_service:8080/hook", null,
        MultiMap.caseInsensitiveMultiMap(), Buffer.buffer("{}"), "ip", 1L).url());
    assertEquals("HTTPS://example.com/x", p.parse("HTTPS://example.com/x", null,
        MultiMap.caseInsensitiveMultiMap(), Buffer.buffer("{}"), "ip", 1L).url());
  }

  @Test
  void rememberedUrlsStayExactAndInvalidOnesAreNeverRemembered() {
    assertEquals(URL, parse(URL).url());
    assertEquals(URL, parse(URL).url(), "the second time from the cache, same answer");
    assertEquals(URL + "?a=1", parse(URL, "a=1", headers(), "{}").url(), "the kept query is part of the key");
    for (int i = 0; i < 2; i++) {
      assertEquals(400, rejected("http://exa mple.com/", null).status(), "rejected every time, attempt " + i);
    }
    for (int i = 0; i < 1100; i++) { // past the cache size: old entries are dropped, answers unchanged
      assertEquals("https://h" + i + ".example.com/x", parse("https://h" + i + ".example.com/x").url());
    }
    assertEquals(URL, parse(URL).url());
  }
}
