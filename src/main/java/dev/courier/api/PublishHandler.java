package dev.courier.api;

import dev.courier.flowcontrol.FlowControlService;
import dev.courier.ingest.IngestService;
import dev.courier.model.NewMessage;
import dev.courier.model.PublishResult;
import dev.courier.queues.QueueService;
import dev.courier.topics.TopicService;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v2/publish/<destination>} and {@code POST /v2/enqueue/<queue>/<destination>}. The destination
 * is read from the raw request path: the router's normalised path collapses the {@code //} of
 * {@code https://} (qstash-api.md §4, §20.12).
 * Answers 200, or 202 with the original id when deduplicated, only after Redis stored the message.
 *
 * <p>Two ways in. {@link #handle(HttpServerRequest)} is the front door that {@link ApiVerticle} calls
 * before the router for every {@code POST /v2/publish/…}: the hottest request of the API skips routing,
 * the routing context and the body handler, and does their share itself (token, body limit). A path only
 * the router's normalisation recognises still arrives through {@link #handle(RoutingContext)}.
 */
final class PublishHandler {
  static final String PREFIX = "/v2/publish/";
  static final String ROUTE = PREFIX + "*";
  static final String ENQUEUE_PREFIX = "/v2/enqueue/";
  static final String ENQUEUE_ROUTE = ENQUEUE_PREFIX + "*";
  private static final CharSequence CONTENT_TYPE = HttpHeaders.CONTENT_TYPE;
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

  private final PublishRequest parser;
  private final IngestService ingest;
  private final QueueService queues;
  private final TopicService topics;
  private final FlowControlService flows;
  private final AuthHandler auth;
  private final BodyBudget bodies;
  private final int maxBodySize;

  PublishHandler(PublishRequest parser, IngestService ingest, QueueService queues, TopicService topics,
      FlowControlService flows, AuthHandler auth, BodyBudget bodies, int maxBodySize) {
    this.topics = topics;
    this.flows = flows;
    this.parser = parser;
    this.ingest = ingest;
    this.queues = queues;
    this.auth = auth;
    this.bodies = bodies;
    this.maxBodySize = maxBodySize;
  }

  /**
   * The front door: token check, body read up to the limit, then {@link #accept}. Nothing may escape it:
   * outside the router, an exception would leave the request unanswered and be logged by Vert.x with
   * its message, which may quote the path (the destination URL).
   */
  void handle(HttpServerRequest req) {
    try {
      admit(req);
    } catch (RuntimeException e) {
      ApiErrors.fail(req, e, ROUTE);
    }
  }

  private void admit(HttpServerRequest req) {
    ApiException denied = auth.check(req);
    if (denied == null) {
      denied = declaredTooLarge(req.getHeader(HttpHeaders.CONTENT_LENGTH));
    }
    long reserved = denied == null ? bodies.reserve(req) : 0;
    if (reserved < 0) {
      denied = BodyBudget.FULL;
    }
    if (denied != null) {
      // The rest of the body, if any, is read and dropped by Vert.x; the connection stays usable.
      ApiErrors.fail(req, denied, ROUTE);
      return;
    }
    if (req.headers().contains(HttpHeaders.EXPECT, HttpHeaders.CONTINUE, true)) {
      req.response().writeContinue(); // curl asks before sending a body over 1 KiB, and waits a second
    }
    // Sized once to the declared length (within the limit, or the reservation would be the limit): a
    // growing buffer copies the body each time it doubles. A chunked body grows as it comes.
    boolean declared = reserved > 0 && req.getHeader(HttpHeaders.CONTENT_LENGTH) != null;
    Buffer body = Buffer.buffer(declared ? (int) reserved : 0);
    boolean[] tooLarge = {false};
    req.handler(chunk -> {
      if (tooLarge[0]) {
        return;
      }
      if (body.length() + chunk.length() > maxBodySize) {
        tooLarge[0] = true; // a chunked body past the limit: answered now, the rest dropped
        ApiErrors.fail(req, tooLarge(), ROUTE);
      } else {
        body.appendBuffer(chunk);
      }
    });
    req.endHandler(v -> {
      if (!tooLarge[0]) {
        accept(req, body);
      }
    });
  }

  /** Through the router: auth and body were handled by its handlers. */
  void handle(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    accept(ctx.request(), body == null ? Buffer.buffer() : body);
  }

  private void accept(HttpServerRequest req, Buffer body) {
    String path = req.path();
    String ip = req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
    try {
      // Whichever prefix comes first: a destination may itself contain the other one.
      int at = path.indexOf(PREFIX);
      int enqueueAt = path.indexOf(ENQUEUE_PREFIX);
      if (at >= 0 && (enqueueAt < 0 || at < enqueueAt)) {
        var parsed = parser.parsePublish(path.substring(at + PREFIX.length()), req.query(), req.headers(), body, ip,
            System.currentTimeMillis(), null);
        if (parsed.group() == null && parsed.flowControl() == null) {
          ingest.publish(parsed.message()) // the hot path: nothing to look up first
              .onSuccess(r -> respond(req.response(), r))
              .onFailure(err -> ApiErrors.fail(req, err, ROUTE));
        } else if (parsed.group() == null) {
          admit(parsed).compose(v -> ingest.publish(parsed.message()))
              .onSuccess(r -> respond(req.response(), r))
              .onFailure(err -> ApiErrors.fail(req, err, ROUTE));
        } else {
          admit(parsed).compose(v -> fanOut(parsed))
              .onSuccess(rs -> respond(req.response(), rs)).onFailure(err -> ApiErrors.fail(req, err, ROUTE));
        }
        return;
      }
      // /v2/enqueue/<queue>/<destination>: the queue is the first segment, the rest is the destination
      String rest = enqueueAt < 0 ? "" : path.substring(enqueueAt + ENQUEUE_PREFIX.length());
      int slash = rest.indexOf('/');
      String queue = QueuesHandler.name(slash < 0 ? rest : rest.substring(0, slash));
      var parsed = parser.parsePublish(slash < 0 ? "" : rest.substring(slash + 1), req.query(), req.headers(), body,
          ip, System.currentTimeMillis(), queue);
      if (parsed.group() == null) {
        admit(parsed)
            .compose(v -> ingest.publish(parsed.message()))
            .onSuccess(r -> respond(req.response(), r))
            .onFailure(err -> ApiErrors.fail(req, err, ENQUEUE_ROUTE));
      } else {
        admit(parsed).compose(v -> fanOut(parsed))
            .onSuccess(rs -> respond(req.response(), rs)).onFailure(err -> ApiErrors.fail(req, err, ENQUEUE_ROUTE));
      }
    } catch (RuntimeException e) {
      // An ApiException is the client's 4xx; anything else is a bug, answered 503 and logged (without
      // the path) rather than leaving the request hanging, as the router's failure handler would.
      ApiErrors.fail(req, e, ROUTE);
    }
  }

  /**
   * The quota checks a message's gate needs before it is stored: a queue new to the deployment must fit under
   * {@code queues.max-queues}, a flow-control key under {@code flow-control.max-keys} (the store script
   * creates either).
   */
  Future<Void> admit(ParsedPublish parsed) {
    if (parsed.queueName() != null) {
      return queues.ensure(parsed.queueName());
    }
    return parsed.flowControl() != null ? flows.ensure(parsed.flowControl().key()) : Future.succeededFuture();
  }

  /**
   * One message per endpoint of the group, each stored through the one ingest path (those of one shard in
   * one round trip). Fails if any store failed: the others are stored and will be delivered, so a client
   * that retries should use a deduplication id (api-decisions.md).
   */
  Future<List<PublishResult>> fanOut(ParsedPublish parsed) {
    return topics.resolve(parsed.group()).compose(g -> {
      if (g == null) {
        return Future.failedFuture(TopicsHandler.notFound(parsed.group()));
      }
      List<Future<PublishResult>> stored = new ArrayList<>();
      for (NewMessage m : parsed.toEndpoints(g.endpoints())) {
        stored.add(ingest.publish(m));
      }
      return Future.all(stored).map(v -> stored.stream().map(Future::result).toList());
    });
  }

  private ApiException declaredTooLarge(String contentLength) {
    if (contentLength == null) {
      return null;
    }
    try {
      return Long.parseLong(contentLength.trim()) > maxBodySize ? tooLarge() : null;
    } catch (NumberFormatException e) {
      return ApiException.badRequest("invalid Content-Length");
    }
  }

  private ApiException tooLarge() {
    return new ApiException(413, "message body too large, limit " + maxBodySize + " bytes");
  }

  /** A URL group's answer: an array, 200 unless every message was a duplicate (then 202, as for one). */
  private static void respond(HttpServerResponse response, List<PublishResult> rs) {
    JsonArray out = new JsonArray();
    rs.forEach(r -> out.add(json(r)));
    response.setStatusCode(rs.stream().allMatch(PublishResult::deduplicated) ? 202 : 200)
        .putHeader(CONTENT_TYPE, APPLICATION_JSON).end(out.encode());
  }

  /** One message's entry in a group's or a batch's answer. */
  static JsonObject json(PublishResult r) {
    JsonObject json = new JsonObject().put("messageId", r.messageId()).put("url", r.url());
    if (r.deduplicated()) {
      json.put("deduplicated", true);
    }
    return json;
  }

  /** Written by hand: the hottest answer of the API, and a JSON object model per publish is waste. */
  private static void respond(HttpServerResponse response, PublishResult r) {
    StringBuilder json = new StringBuilder(64 + r.url().length()).append("{\"messageId\":\"").append(r.messageId())
        .append("\",\"url\":\"").append(JsonStringEncoder.getInstance().quoteAsString(r.url())).append('"');
    if (r.deduplicated()) {
      json.append(",\"deduplicated\":true");
    }
    response.setStatusCode(r.deduplicated() ? 202 : 200).putHeader(CONTENT_TYPE, APPLICATION_JSON)
        .end(json.append('}').toString());
  }
}
