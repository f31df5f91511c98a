package dev.courier.api;

import dev.courier.redis.ScriptRunner;
import dev.courier.signing.SigningKeyStore;
import dev.courier.signing.SigningKeys;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /v2/keys} and {@code POST /v2/keys/rotate} (qstash-api.md §8). */
final class KeysHandler {
  private final SigningKeyStore store;
  private final ScriptRunner scripts;

  KeysHandler(SigningKeyStore store, ScriptRunner scripts) {
    this.store = store;
    this.scripts = scripts;
  }

  void get(RoutingContext ctx) {
    Json.send(ctx, 200, json(store.keys()));
  }

  void rotate(RoutingContext ctx) {
    store.rotate(scripts).onSuccess(keys -> Json.send(ctx, 200, json(keys))).onFailure(ctx::fail);
  }

  private static JsonObject json(SigningKeys keys) {
    return new JsonObject().put("current", keys.current()).put("next", keys.next());
  }
}
