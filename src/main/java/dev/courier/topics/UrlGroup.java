package dev.courier.topics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A URL group (qstash-api.md §5.7, §15): a publish to it stores one message per endpoint.
 *
 * @param endpoints in the order they were added; never empty (removing the last one deletes the group)
 */
public record UrlGroup(String name, long createdAt, long updatedAt, List<Endpoint> endpoints) {

  /** @param name null when unnamed */
  public record Endpoint(String name, String url) {
    /** Exactly {@code {name,url}}, or {@code {url}} when unnamed: the SDK's test compares whole objects. */
    JsonObject toJson() {
      JsonObject json = new JsonObject();
      if (name != null) {
        json.put("name", name);
      }
      return json.put("url", url);
    }
  }

  /** The API's shape. */
  public JsonObject toJson() {
    JsonArray eps = new JsonArray();
    endpoints.forEach(e -> eps.add(e.toJson()));
    return new JsonObject().put("name", name).put("createdAt", createdAt).put("updatedAt", updatedAt)
        .put("endpoints", eps);
  }

  /** The stored form: the API's shape without the name (the key says it). */
  String toStored() {
    JsonObject json = toJson();
    json.remove("name");
    return json.encode();
  }

  static UrlGroup fromStored(String name, String stored) {
    JsonObject json = new JsonObject(stored);
    List<Endpoint> eps = new ArrayList<>();
    for (Object o : json.getJsonArray("endpoints")) {
      JsonObject e = (JsonObject) o;
      eps.add(new Endpoint(e.getString("name"), e.getString("url")));
    }
    return new UrlGroup(name, json.getLong("createdAt"), json.getLong("updatedAt"), List.copyOf(eps));
  }
}
