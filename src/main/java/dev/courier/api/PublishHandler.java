package dev.courier.api;

import dev.courier.ingest.IngestService;
import dev.courier.model.PublishResult;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /v2/publish/<destination>}. The destination is read from the raw request path: the
 * router's normalised path collapses the {@code //} of {@code https://} (qstash-api.md §4, §20.12).
 * Answers 200, or 202 with the original id when deduplicated, only after Redis stored the message.
 */
final class PublishHandler {
  static final String PREFIX = "/v2/publish/";
  private static final CharSequence CONTENT_TYPE = HttpHeaders.CONTENT_TYPE;
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

  private final PublishRequest parser;
  private final IngestService ingest;

  PublishHandler(PublishRequest parser, IngestService ingest) {
    this.parser = parser;
    this.ingest = ingest;
  }

  void handle(RoutingContext ctx) {
    var req = ctx.request();
    String path = req.path();
    int at = path.indexOf(PREFIX);
    String destination = at < 0 ? "" : path.substring(at + PREFIX.length());
    String ip = req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
    var message = parser.parse(destination, req.query(), req.headers(), ctx.body().buffer() == null
        ? io.vertx.core.buffer.Buffer.buffer() : ctx.body().buffer(), ip, System.currentTimeMillis());
    ingest.publish(message).onSuccess(r -> respond(ctx, r)).onFailure(ctx::fail);
  }

  /** Written by hand: the hottest answer of the API, and a JSON object model per publish is waste. */
  private static void respond(RoutingContext ctx, PublishResult r) {
    StringBuilder json = new StringBuilder(64 + r.url().length()).append("{\"messageId\":\"").append(r.messageId())
        .append("\",\"url\":\"").append(JsonStringEncoder.getInstance().quoteAsString(r.url())).append('"');
    if (r.deduplicated()) {
      json.append(",\"deduplicated\":true");
    }
    ctx.response().setStatusCode(r.deduplicated() ? 202 : 200).putHeader(CONTENT_TYPE, APPLICATION_JSON)
        .end(json.append('}').toString());
  }
}
