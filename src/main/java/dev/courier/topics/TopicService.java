package dev.courier.topics;

import dev.courier.model.LimitExceededException;
import dev.courier.redis.Keys;
import dev.courier.redis.LuaScript;
import dev.courier.redis.ScriptRunner;
import dev.courier.topics.UrlGroup.Endpoint;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * URL groups (qstash-api.md §15): created by adding endpoints, deleted with their last endpoint. A group
 * is one Redis hash (a version and its JSON); an edit reads it, computes the new group here and writes
 * it back only if nobody changed it meanwhile ({@code putTopic}), else reads again. Publishing reads
 * groups through the node's {@link TopicCache}.
 *
 * <p>One instance per event loop; the cache is the node's.
 */
public final class TopicService {
  /** Compare-and-set rounds before an edit gives up: only a storm of edits to one group gets this far. */
  private static final int MAX_ATTEMPTS = 10;

  private final ScriptRunner scripts;
  private final Keys keys;
  private final TopicCache cache;
  private final int maxGroups;
  private final int maxEndpoints;

  public TopicService(ScriptRunner scripts, Keys keys, TopicCache cache, int maxGroups, int maxEndpoints) {
    this.scripts = scripts;
    this.keys = keys;
    this.cache = cache;
    this.maxGroups = maxGroups;
    this.maxEndpoints = maxEndpoints;
  }

  /** An edit that cannot be made as asked (the API answers 400 with the message). */
  public static final class InvalidEditException extends RuntimeException {
    InvalidEditException(String message) {
      super(message, null, false, false);
    }
  }

  /** The group as Redis has it now; null when there is none. */
  public Future<UrlGroup> get(String name) {
    return read(name).map(Versioned::group);
  }

  /** The group for a publish: from the node's cache when read less than half a second ago. */
  public Future<UrlGroup> resolve(String name) {
    TopicCache.Entry e = cache.fresh(name);
    if (e != null) {
      return Future.succeededFuture(e.group());
    }
    long readAt = cache.now();
    return get(name).onSuccess(g -> cache.put(name, g, readAt));
  }

  /** Every group, by name. */
  public Future<List<UrlGroup>> list() {
    return scripts.redis().send(Request.cmd(Command.SMEMBERS).arg(keys.topicNames())).compose(names -> {
      List<Future<UrlGroup>> groups = new ArrayList<>();
      for (Response n : names) {
        groups.add(get(n.toString()));
      }
      return Future.all(groups).map(v -> groups.stream().map(Future::result).filter(Objects::nonNull)
          .sorted(Comparator.comparing(UrlGroup::name)).toList());
    });
  }

  /**
   * Adds endpoints, creating the group. An endpoint is matched by its name when it has one, else by its
   * url; a match is updated in place (a new url for a name, a name for an unnamed url), anything else is
   * appended. A url is in a group at most once.
   */
  public Future<UrlGroup> addEndpoints(String name, List<Endpoint> added, long now) {
    return edit(name, now, old -> {
      List<Endpoint> eps = new ArrayList<>(old == null ? List.of() : old.endpoints());
      for (Endpoint e : added) {
        int at = -1;
        for (int i = 0; i < eps.size() && at < 0; i++) {
          Endpoint x = eps.get(i);
          if (e.name() != null ? e.name().equals(x.name()) : x.url().equals(e.url())) {
            at = i;
          }
        }
        if (at < 0 && e.name() != null) {
          // a named endpoint may name an unnamed one already there
          for (int i = 0; i < eps.size() && at < 0; i++) {
            if (eps.get(i).name() == null && eps.get(i).url().equals(e.url())) {
              at = i;
            }
          }
        }
        Endpoint merged = at < 0 ? e : new Endpoint(e.name() != null ? e.name() : eps.get(at).name(), e.url());
        for (int i = 0; i < eps.size(); i++) {
          if (i != at && eps.get(i).url().equals(merged.url())) {
            throw new InvalidEditException("url " + merged.url() + " is already in url group " + name
                + (eps.get(i).name() == null ? "" : " as endpoint " + eps.get(i).name()));
          }
        }
        if (at < 0) {
          eps.add(merged);
        } else {
          eps.set(at, merged);
        }
      }
      if (eps.size() > maxEndpoints) {
        throw new LimitExceededException("too many endpoints in url group " + name + ": the limit is " + maxEndpoints
            + " (url-groups.max-endpoints)");
      }
      return new UrlGroup(name, old == null ? now : old.createdAt(), now, List.copyOf(eps));
    });
  }

  /**
   * Removes the endpoints matching each given one (by name and url where both are given, else by the one
   * given); removing the last endpoint deletes the group. Null when there is no such group.
   */
  public Future<UrlGroup> removeEndpoints(String name, List<Endpoint> removed, long now) {
    return edit(name, now, old -> {
      if (old == null) {
        return null;
      }
      List<Endpoint> eps = new ArrayList<>(old.endpoints());
      eps.removeIf(x -> removed.stream().anyMatch(r -> (r.name() == null || r.name().equals(x.name()))
          && (r.url() == null || r.url().equals(x.url()))));
      return new UrlGroup(name, old.createdAt(), now, List.copyOf(eps));
    });
  }

  /** Deletes the group; false when there was none. */
  public Future<Boolean> delete(String name) {
    return edit(name, System.currentTimeMillis(), old -> old == null ? null
        : new UrlGroup(name, old.createdAt(), old.updatedAt(), List.of())).map(Objects::nonNull);
  }

  private record Versioned(long version, UrlGroup group) {}

  private Future<Versioned> read(String name) {
    return scripts.redis().send(Request.cmd(Command.HMGET).arg(keys.topic(name)).arg("v").arg("json")).map(r -> {
      if (r.get(0) == null || r.get(1) == null) {
        return new Versioned(0, null);
      }
      return new Versioned(r.get(0).toLong(), UrlGroup.fromStored(name, r.get(1).toString()));
    });
  }

  /**
   * Reads, applies {@code change} (null in, null out: no group; a group without endpoints out: deleted)
   * and writes if the version is still the one read. Returns the group before the change for a delete,
   * the group after it otherwise; null when there was no group and the change made none.
   */
  private Future<UrlGroup> edit(String name, long now, UnaryOperator<UrlGroup> change) {
    return attempt(name, now, change, 1).onComplete(ar -> cache.drop(name));
  }

  private Future<UrlGroup> attempt(String name, long now, UnaryOperator<UrlGroup> change, int n) {
    return read(name).compose(v -> {
      UrlGroup next = change.apply(v.group());
      if (next == null) {
        return Future.succeededFuture(null);
      }
      boolean deleting = next.endpoints().isEmpty();
      Future<Void> room = v.group() == null && !deleting ? checkRoom() : Future.succeededFuture();
      return room.compose(ok -> scripts.run(LuaScript.PUT_TOPIC, List.of(keys.topic(name), keys.topicNames()),
          List.of(name, v.version(), deleting ? "" : next.toStored()))).compose(written -> {
            if (written.toLong() == 1L) {
              return Future.succeededFuture(deleting ? v.group() : next);
            }
            if (n >= MAX_ATTEMPTS) {
              return Future.failedFuture(new IllegalStateException("url group " + name + " kept changing"));
            }
            return attempt(name, now, change, n + 1);
          });
    });
  }

  private Future<Void> checkRoom() {
    return scripts.redis().send(Request.cmd(Command.SCARD).arg(keys.topicNames())).compose(n -> n.toLong() >= maxGroups
        ? Future.failedFuture(new LimitExceededException("too many url groups: the limit is " + maxGroups
            + " (url-groups.max-groups)"))
        : Future.succeededFuture());
  }
}
