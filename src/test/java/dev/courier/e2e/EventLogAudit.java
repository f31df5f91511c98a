package dev.courier.e2e;

import dev.courier.support.Sink;
import dev.courier.support.TestNode;
import dev.courier.support.TestPostgres;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the event-log failure tests check behind the nodes' backs: the rows in the PostgreSQL database (read with
 * plain JDBC, so the check does not depend on the API under test) and the outbox stream in Redis.
 */
final class EventLogAudit {
  private EventLogAudit() {}

  /** How many CREATED and DELIVERED events the database holds per message: message id -> state -> count. */
  static Map<String, Map<String, Integer>> createdAndDelivered(String jdbcUrl) {
    Map<String, Map<String, Integer>> out = new HashMap<>();
    try (Connection c = TestPostgres.connect(jdbcUrl); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT runs, runs_large FROM eventlog_chunk")) {
      while (rs.next()) {
        String text = rs.getString(1) != null ? rs.getString(1) : rs.getString(2);
        for (Object o : new io.vertx.core.json.JsonArray(text)) {
          io.vertx.core.json.JsonObject run = (io.vertx.core.json.JsonObject) o;
          String id = run.getString("i");
          for (Object e : run.getJsonArray("e")) {
            String state = ((io.vertx.core.json.JsonObject) e).getString("s");
            if (state.equals("CREATED") || state.equals("DELIVERED")) {
              out.computeIfAbsent(id, k -> new HashMap<>()).merge(state, 1, Integer::sum);
            }
          }
        }
      }
    } catch (SQLException e) {
      throw new AssertionError("cannot read the event log: " + e, e);
    }
    return out;
  }

  /**
   * What is wrong with the log of {@code accepted}: messages missing their CREATED or DELIVERED, and events
   * stored more than once (of any message, accepted or not); empty when each has exactly one of each.
   */
  static List<String> problems(Collection<String> accepted, Map<String, Map<String, Integer>> counts) {
    List<String> missing = new ArrayList<>();
    List<String> twice = new ArrayList<>();
    for (String id : accepted) {
      Map<String, Integer> states = counts.getOrDefault(id, Map.of());
      for (String state : List.of("CREATED", "DELIVERED")) {
        if (states.getOrDefault(state, 0) == 0) {
          missing.add(id + " " + state);
        }
      }
    }
    counts.forEach((id, states) -> states.forEach((state, n) -> {
      if (n > 1) {
        twice.add(id + " " + state + " x" + n);
      }
    }));
    List<String> out = new ArrayList<>();
    if (!missing.isEmpty()) {
      out.add(missing.size() + " missing, e.g. " + missing.subList(0, Math.min(5, missing.size())));
    }
    if (!twice.isEmpty()) {
      out.add(twice.size() + " stored more than once, e.g. " + twice.subList(0, Math.min(5, twice.size())));
    }
    return out;
  }

  /** Waits until {@link #problems} finds none, else fails naming them as they were at the end. */
  static void awaitComplete(Collection<String> accepted, String jdbcUrl, long timeoutMs) {
    List<String> problems = new ArrayList<>();
    try {
      Sink.waitFor(() -> {
        problems.clear();
        problems.addAll(problems(accepted, createdAndDelivered(jdbcUrl)));
        return problems.isEmpty();
      }, timeoutMs, "one CREATED and one DELIVERED per accepted message");
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + " (of " + accepted.size() + "): " + problems, e);
    }
  }

  /** The number of entries in the outbox stream of shard 0 (the tests run one shard, the default). */
  static long outboxLength(Vertx vertx, String prefix) {
    return send(vertx, Request.cmd(Command.XLEN).arg(outbox(prefix))).toLong();
  }

  /** Entries of the outbox read by some writer and not yet confirmed. */
  static long outboxPending(Vertx vertx, String prefix) {
    Response r = send(vertx, Request.cmd(Command.XPENDING).arg(outbox(prefix)).arg("eventlog"));
    return r == null || r.size() == 0 ? 0 : r.get(0).toLong();
  }

  private static String outbox(String prefix) {
    return prefix + ":{s0}:events";
  }

  private static Response send(Vertx vertx, Request request) {
    Redis redis = Redis.createClient(vertx, TestRedis.url());
    try {
      return TestNode.get(redis.send(request));
    } finally {
      redis.close();
    }
  }
}
