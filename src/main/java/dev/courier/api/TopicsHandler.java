package dev.courier.api;

import dev.courier.security.NetworkPolicy;
import dev.courier.topics.TopicService;
import dev.courier.topics.UrlGroup.Endpoint;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code /v2/topics}: URL groups and their endpoints (qstash-api.md §2 rows 20-24, §5.7, §15). */
final class TopicsHandler {
  private static final Set<String> ENDPOINT_FIELDS = Set.of("name", "url");

  private final TopicService topics;
  private final NetworkPolicy policy;

  /** @param policy the SSRF guard: an endpoint given as a denied literal address is a 400 */
  TopicsHandler(TopicService topics, NetworkPolicy policy) {
    this.topics = topics;
    this.policy = policy;
  }

  /** {@code POST /v2/topics/{name}/endpoints {"endpoints":[{"name"?,"url"}…]}}: creates the group if needed. */
  void addEndpoints(RoutingContext ctx) {
    String group = name(ctx.pathParam("name"));
    List<Endpoint> eps = endpoints(ctx.body().buffer(), true);
    topics.addEndpoints(group, eps, System.currentTimeMillis()).onSuccess(g -> ctx.response().end())
        .onFailure(ctx::fail);
  }

  /** {@code DELETE /v2/topics/{name}/endpoints {"endpoints":[{"name"}|{"url"}…]}}: the last one takes the group. */
  void removeEndpoints(RoutingContext ctx) {
    String group = name(ctx.pathParam("name"));
    List<Endpoint> eps = endpoints(ctx.body().buffer(), false);
    topics.removeEndpoints(group, eps, System.currentTimeMillis()).onSuccess(g -> {
      if (g == null) {
        ctx.fail(notFound(group));
      } else {
        ctx.response().end();
      }
    }).onFailure(ctx::fail);
  }

  void list(RoutingContext ctx) {
    topics.list().onSuccess(all -> {
      JsonArray out = new JsonArray();
      all.forEach(g -> out.add(g.toJson()));
      ctx.response().putHeader("Content-Type", "application/json").end(out.encode());
    }).onFailure(ctx::fail);
  }

  void get(RoutingContext ctx) {
    String group = name(ctx.pathParam("name"));
    topics.get(group).onSuccess(g -> {
      if (g == null) {
        ctx.fail(notFound(group));
      } else {
        Json.send(ctx, 200, g.toJson());
      }
    }).onFailure(ctx::fail);
  }

  void delete(RoutingContext ctx) {
    String group = name(ctx.pathParam("name"));
    topics.delete(group).onSuccess(found -> {
      if (found) {
        ctx.response().end();
      } else {
        ctx.fail(notFound(group));
      }
    }).onFailure(ctx::fail);
  }

  static ApiException notFound(String group) {
    return ApiException.notFound("url group " + group + " not found: a destination is an http:// or https:// URL,"
        + " or the name of a url group (POST /v2/topics/{name}/endpoints creates one)");
  }

  /** A group or endpoint name: {@code [A-Za-z0-9._-]}, at most 128 characters, else 400. */
  static String name(String name) {
    if (!PublishRequest.validQueueName(name)) {
      throw ApiException.badRequest("invalid url group name: use 1 to 128 of the characters A-Z a-z 0-9 . _ -");
    }
    return name;
  }

  /**
   * The {@code endpoints} of the body. To add, each needs a url (http or https) and may have a name; to
   * remove, each needs a name or a url. Anything else is a 400 naming the item.
   */
  private List<Endpoint> endpoints(Buffer body, boolean adding) {
    JsonObject json;
    try {
      json = body == null || body.length() == 0 ? null : new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      json = null;
    }
    if (json == null || !(json.getValue("endpoints") instanceof JsonArray items) || items.isEmpty()) {
      throw ApiException.badRequest("a JSON object with a non-empty array is required: {\"endpoints\":[{\"name\","
          + " \"url\"}]}");
    }
    for (String field : json.fieldNames()) {
      if (!field.equals("endpoints")) {
        throw ApiException.badRequest("unknown field '" + field + "': the body takes endpoints");
      }
    }
    List<Endpoint> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      if (!(items.getValue(i) instanceof JsonObject item)) {
        throw ApiException.badRequest("endpoints[" + i + "] is not an object");
      }
      for (String field : item.fieldNames()) {
        if (!ENDPOINT_FIELDS.contains(field)) {
          throw ApiException.badRequest("endpoints[" + i + "]: unknown field '" + field + "' (an endpoint has name and url)");
        }
      }
      Object name = item.getValue("name");
      Object url = item.getValue("url");
      if ((name != null && !(name instanceof String)) || (url != null && !(url instanceof String))) {
        throw ApiException.badRequest("endpoints[" + i + "]: name and url are strings");
      }
      if (name != null && !PublishRequest.validQueueName((String) name)) {
        throw ApiException.badRequest("endpoints[" + i + "]: invalid name: use 1 to 128 of the characters"
            + " A-Z a-z 0-9 . _ -");
      }
      if (url != null && adding) {
        PublishRequest.checkTargetUrl("endpoints[" + i + "]: invalid url", (String) url, policy);
      }
      if (adding && url == null) {
        throw ApiException.badRequest("endpoints[" + i + "]: url is required");
      }
      if (!adding && name == null && url == null) {
        throw ApiException.badRequest("endpoints[" + i + "]: give the name or the url of the endpoint to remove");
      }
      out.add(new Endpoint((String) name, (String) url));
    }
    return out;
  }
}
