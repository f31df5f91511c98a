package dev.courier.signing;

import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.ScriptRunner;
import dev.courier.model.Ids;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;

/**
 * The key pair this node signs with. Redis holds the pair shared by every node ({@code courier:keys});
 * this store caches it for the hot path (a volatile read per delivery) and refreshes it periodically,
 * so a rotation made through any node reaches all of them within the refresh interval.
 */
public final class SigningKeyStore {
  private final Keys keys;
  private volatile SigningKeys current;

  public SigningKeyStore(Keys keys, SigningKeys initial) {
    this.keys = keys;
    this.current = initial;
  }

  public SigningKeys keys() {
    return current;
  }

  /**
   * Seeds Redis with this node's pair (overwriting when {@code explicit}: keys given in configuration
   * win) and adopts the pair then in force.
   */
  public Future<SigningKeys> seed(ScriptRunner scripts, boolean explicit) {
    SigningKeys mine = current;
    return scripts.run(LuaScript.SEED_KEYS, List.of(keys.signingKeys()),
        List.of(mine.current(), mine.next(), explicit ? "1" : "0")).map(this::adopt);
  }

  public Future<SigningKeys> refresh(ScriptRunner scripts) {
    return scripts.redis().send(Request.cmd(Command.HMGET).arg(keys.signingKeys()).arg("current").arg("next"))
        .map(this::adopt);
  }

  /** next → current, and a freshly generated next. */
  public Future<SigningKeys> rotate(ScriptRunner scripts) {
    return scripts.run(LuaScript.ROTATE_KEYS, List.of(keys.signingKeys()), List.of(Ids.signingKey())).map(this::adopt);
  }

  private SigningKeys adopt(Response reply) {
    if (reply != null && reply.size() == 2 && reply.get(0) != null && reply.get(1) != null) {
      current = new SigningKeys(reply.get(0).toString(), reply.get(1).toString());
    }
    return current;
  }
}
