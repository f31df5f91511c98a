package dev.courier.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.BlockedThreadGuard;
import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The same adversarial input through a real node's HTTP API (bounded tries: each is a request): a publish written
 * byte by byte on a socket (so that headers can carry raw bytes, CR LF and what no HTTP client would send), and
 * batch bodies. Every answer is below 500 and comes within the socket's timeout; every message Redis holds is
 * one whose id an answer gave out (a refused request stored nothing); no event loop was blocked.
 */
class HttpFuzzTest {
  private static final int SOCKET_TIMEOUT_MS = 10_000;
  private static Vertx vertx;
  private static TestNode node;
  private static Sink sink;
  private static final Set<String> accepted = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @BeforeContainer
  static void start() throws Exception {
    vertx = Vertx.vertx();
    sink = Sink.start(vertx);
    node = TestNode.start(vertx);
  }

  @AfterContainer
  static void stop() throws Exception {
    node.close();
    sink.close();
    TestNode.get(vertx.close());
  }

  @AfterProperty
  void noEventLoopBlocked() {
    BlockedThreadGuard.check(); // jqwik is not Jupiter: the guard's extension does not run here
  }

  @Property(tries = 150)
  void rawPublishesAreAnsweredBelow500(@ForAll("paths") String path, @ForAll("rawHeaders") List<Map.Entry<String, String>> headers,
      @ForAll("bodies") byte[] body) throws Exception {
    ByteArrayOutputStream req = new ByteArrayOutputStream();
    write(req, "POST /v2/publish/" + path + " HTTP/1.1\r\nHost: courier\r\nAuthorization: Bearer " + TestNode.TOKEN
        + "\r\n");
    for (var h : headers) {
      write(req, h.getKey() + ": " + h.getValue() + "\r\n");
    }
    write(req, "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n");
    req.write(body);
    String answer = exchange(req.toByteArray());
    int status = status(answer);
    assertTrue(status < 500, "answered " + answer);
    if (status / 100 == 2) {
      accepted.add(new JsonObject(firstBody(answer)).getString("messageId"));
    }
    assertOnlyAcceptedStored();
  }

  @Property(tries = 150)
  void batchBodiesAreAnsweredBelow500(@ForAll("batches") byte[] batch) {
    var r = node.send("POST", "/v2/batch", Map.of("Content-Type", "application/json"), batch);
    String text = new String(r.body(), StandardCharsets.UTF_8);
    assertTrue(r.statusCode() < 500, "answered " + r.statusCode() + ": " + text);
    if (r.statusCode() == 200) {
      collectIds(new JsonArray(text));
    }
    assertOnlyAcceptedStored();
  }

  private static void collectIds(JsonArray answers) {
    for (Object a : answers) {
      if (a instanceof JsonArray nested) {
        collectIds(nested);
      } else if (a instanceof JsonObject o && o.getString("messageId") != null) {
        accepted.add(o.getString("messageId"));
      }
    }
  }

  /** Messages pending or in flight (each shard's hash of them) were all accepted by an answer. */
  private static void assertOnlyAcceptedStored() {
    Redis redis = Redis.createClient(vertx, TestRedis.url());
    try {
      String cursor = "0";
      do {
        Response r = TestNode.get(redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH")
            .arg(node.prefix() + ":*msgs").arg("COUNT").arg(1000)));
        cursor = r.get(0).toString();
        for (Response key : r.get(1)) {
          for (Response id : TestNode.get(redis.send(Request.cmd(Command.HKEYS).arg(key.toString())))) {
            assertTrue(accepted.contains(id.toString()), "stored without being accepted: " + id);
          }
        }
      } while (!"0".equals(cursor));
    } finally {
      redis.close();
    }
  }

  private static String exchange(byte[] request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", Integer.parseInt(node.baseUrl().substring(node.baseUrl().lastIndexOf(':') + 1)))) {
      s.setSoTimeout(SOCKET_TIMEOUT_MS); // a hang fails the try (SocketTimeoutException)
      OutputStream out = s.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (java.io.IOException e) {
        // The server may answer and close before reading it all (431, 413): its answer is what counts.
      }
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (java.net.SocketException e) {
      return ""; // closed without an answer (a request HTTP cannot parse): not a 5xx, not a hang
    }
  }

  private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)\r\n");

  /**
   * The body of the answer's first response, by its content-length. A line break in a fuzzed header value can end
   * the head early (HTTP takes a bare LF as one): the bytes after it are then a second, pipelined request, with an
   * answer of its own (400) on the same connection.
   */
  private static String firstBody(String answer) {
    int head = answer.indexOf("\r\n\r\n");
    Matcher length = CONTENT_LENGTH.matcher(answer.substring(0, head + 2));
    int start = head + 4;
    return length.find() ? answer.substring(start, start + Integer.parseInt(length.group(1))) : answer.substring(start);
  }

  /** The answer's status, 0 when the server closed without one. */
  private static int status(String answer) {
    return answer.startsWith("HTTP/1.1 ") && answer.length() >= 12 ? Integer.parseInt(answer.substring(9, 12)) : 0;
  }

  /** Characters up to U+00FF as one byte each (raw bytes, malformed UTF-8 included), others as UTF-8. */
  private static void write(ByteArrayOutputStream out, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0xff) {
        out.write(c);
      } else {
        out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  @Provide
  Arbitrary<String> paths() {
    Arbitrary<String> url = Combinators.combine(Arbitraries.just(sink.url("/")),
        Adversarial.sentences(ParserFuzzTest.DESTINATION_WORDS, 5)).as(String::concat);
    Arbitrary<String> query = Arbitraries.of("", "?upstash-retries=1", "?upstash-forward-x=%0d%0a", "?a=%zz",
        "?upstash-delay=-1s", "?upstash-retries=99999999999");
    return Arbitraries.frequencyOf(Tuple.of(6, Combinators.combine(url, query).as(String::concat)),
        Tuple.of(1, Adversarial.anyText().map(s -> s.length() > 2_000 ? s.substring(0, 2_000) : s)));
  }

  @Provide
  Arbitrary<List<Map.Entry<String, String>>> rawHeaders() {
    Arbitrary<String> name = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.of(ParserFuzzTest.HEADER_NAMES)),
        Tuple.of(1, Adversarial.anyText().map(s -> s.length() > 200 ? s.substring(0, 200) : s)));
    Arbitrary<String> value = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of(ParserFuzzTest.HEADER_WORDS)),
        Tuple.of(2, Adversarial.sentences(ParserFuzzTest.HEADER_WORDS, 4)), Tuple.of(2, Adversarial.anyText()));
    return Combinators.combine(name, value).as(Map::entry).list().ofMaxSize(6);
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)),
        Tuple.of(1, Adversarial.anyText().map(s -> s.getBytes(StandardCharsets.UTF_8))));
  }

  @Provide
  Arbitrary<byte[]> batches() {
    Arbitrary<Object> headerValue = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of(ParserFuzzTest.HEADER_WORDS)),
        Tuple.of(2, Adversarial.anyText()), Tuple.of(1, Arbitraries.of(1, -1, Double.POSITIVE_INFINITY, Long.MIN_VALUE, true)),
        Tuple.of(1, Arbitraries.just(new JsonObject().put("a", new JsonArray().add(1)))));
    Arbitrary<String> headerName = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.of(ParserFuzzTest.HEADER_NAMES)),
        Tuple.of(1, Adversarial.anyText().map(s -> "Upstash-Forward-" + s)), Tuple.of(1, Adversarial.anyText()));
    Arbitrary<JsonObject> headers = Combinators.combine(headerName, headerValue).as(Map::entry).list().ofMaxSize(5)
        .map(l -> {
          JsonObject h = new JsonObject();
          l.forEach(e -> h.put(e.getKey(), e.getValue()));
          return h;
        });
    Arbitrary<Object> destination = Arbitraries.frequencyOf(
        Tuple.of(6, Adversarial.sentences(ParserFuzzTest.DESTINATION_WORDS, 4).map(s -> sink.url("/") + s)),
        Tuple.of(1, Adversarial.anyText()), Tuple.of(1, Arbitraries.of(42, "my-group")), Tuple.of(1, Arbitraries.just(null)));
    Arbitrary<JsonObject> item = Combinators.combine(destination, headers.injectNull(0.3),
        Adversarial.anyText().injectNull(0.3), Arbitraries.of("q", "bad queue", "").injectNull(0.8))
        .as((d, h, b, q) -> {
          JsonObject o = new JsonObject().put("destination", d).put("headers", h).put("body", b);
          return q == null ? o : o.put("queue", q);
        });
    Arbitrary<byte[]> arrays = item.list().ofMaxSize(6).map(l -> new JsonArray(List.copyOf(l)).toBuffer().getBytes());
    return Arbitraries.frequencyOf(Tuple.of(6, arrays),
        Tuple.of(1, Arbitraries.integers().between(1, 20_000).map(n -> ("[".repeat(n) + "]".repeat(n)).getBytes())),
        Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)),
        Tuple.of(1, Arbitraries.of("{}", "null", "[1]", "[{\"destination\":1e999}]", "[{\"x\":1}]", "[]", "\"\"")
            .map(s -> s.getBytes(StandardCharsets.UTF_8))));
  }
}
