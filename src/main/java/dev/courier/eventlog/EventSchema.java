package dev.courier.eventlog;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the event log's schema to the version this code needs, from the numbered SQL files under
 * {@code eventlog/} (a file in {@code eventlog/<dialect>/} replaces the shared one of the same name). The versions
 * applied are rows of {@code eventlog_schema_version}. Nodes starting together on one PostgreSQL take turns by an
 * advisory lock held for the whole migration; an H2 file has one node by construction.
 */
final class EventSchema {
  private static final Logger LOG = LoggerFactory.getLogger(EventSchema.class);

  /** In order; adding a version is adding its file and its name here (a classpath folder cannot be listed). */
  static final List<String> MIGRATIONS = List.of("V1__tables", "V2__filter_indexes", "V3__runs", "V4__packed_message",
      "V5__message_key", "V6__chunks");
  static final int LATEST = MIGRATIONS.size();
  /** "courier" in ASCII: the advisory lock key, the same on every node. */
  private static final long LOCK_KEY = 0x636f7572696572L;

  private EventSchema() {}

  /** Migrates to {@code target} (tests stop at an older version) and answers the version the database is at. */
  static Future<Integer> migrate(Pool pool, Dialect dialect, int target) {
    return pool.getConnection().compose(conn -> lock(conn, dialect)
        .compose(v -> migrate(conn, dialect, target))
        .eventually(() -> unlock(conn, dialect).eventually(conn::close)));
  }

  private static Future<Integer> migrate(SqlConnection conn, Dialect dialect, int target) {
    return conn.query("CREATE TABLE IF NOT EXISTS eventlog_schema_version (version INT NOT NULL PRIMARY KEY, "
            + "name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL)").execute()
        .compose(v -> conn.query("SELECT MAX(version) FROM eventlog_schema_version").execute())
        .compose(rows -> {
          Integer at = rows.iterator().next().getInteger(0);
          int current = at == null ? 0 : at;
          if (current > LATEST) {
            // A newer node migrated a shared database (a rolling upgrade). Versions 3, 4 and 6 replaced tables and
            // columns: this node's writes fail until it is upgraded too, and its events wait in Redis meanwhile.
            LOG.warn("event log schema is at version {}, newer than this node's {}: upgrade this node; its events "
                + "wait in Redis until it stores them", current, LATEST);
          }
          Future<Integer> chain = Future.succeededFuture(current);
          for (int version = current + 1; version <= Math.min(target, LATEST); version++) {
            int next = version;
            chain = chain.compose(prev -> apply(conn, dialect, next));
          }
          return chain;
        });
  }

  /** One version in one transaction: on PostgreSQL its DDL rolls back with it if a statement fails. */
  private static Future<Integer> apply(SqlConnection conn, Dialect dialect, int version) {
    String name = MIGRATIONS.get(version - 1);
    List<String> statements = statements(load(dialect, name));
    return conn.begin().compose(tx -> {
      Future<?> chain = Future.succeededFuture();
      for (String sql : statements) {
        chain = chain.compose(v -> conn.query(sql).execute());
      }
      return chain
          .compose(v -> conn.preparedQuery("INSERT INTO eventlog_schema_version (version, name, applied_at) "
              + "VALUES (?, ?, ?)").execute(Tuple.of(version, name, System.currentTimeMillis())))
          .compose(v -> tx.commit())
          .recover(e -> tx.rollback().transform(r -> Future.failedFuture(new IllegalStateException(
              "event log migration " + name + " failed: " + e.getMessage(), e))));
    }).map(v -> {
      LOG.info("event log schema migrated to version {} ({})", version, name);
      return version;
    });
  }

  private static Future<Void> lock(SqlConnection conn, Dialect dialect) {
    if (dialect != Dialect.POSTGRESQL) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery("SELECT pg_advisory_lock(?)").execute(Tuple.of(LOCK_KEY)).mapEmpty();
  }

  private static Future<Void> unlock(SqlConnection conn, Dialect dialect) {
    if (dialect != Dialect.POSTGRESQL) {
      return Future.succeededFuture();
    }
    // Also released when the connection ends, so a failed unlock (the connection is gone) is no harm.
    return conn.preparedQuery("SELECT pg_advisory_unlock(?)").execute(Tuple.of(LOCK_KEY)).<Void>mapEmpty()
        .otherwiseEmpty();
  }

  /** The version the database is at, 0 when it has no event log. */
  static Future<Integer> version(Pool pool) {
    return pool.query("SELECT MAX(version) FROM eventlog_schema_version").execute()
        .map(rows -> {
          Row row = rows.iterator().next();
          return row.getInteger(0) == null ? 0 : row.getInteger(0);
        });
  }

  static String load(Dialect dialect, String name) {
    String own = "eventlog/" + dialect.folder + "/" + name + ".sql";
    String shared = "eventlog/" + name + ".sql";
    ClassLoader loader = EventSchema.class.getClassLoader();
    try (InputStream in = loader.getResource(own) != null ? loader.getResourceAsStream(own)
        : loader.getResourceAsStream(shared)) {
      if (in == null) {
        throw new IllegalStateException("event log migration " + name + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Splits a file at the semicolons that end a line; comment lines go. The files hold no other semicolons. */
  static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        String sql = current.toString().strip();
        out.add(sql.substring(0, sql.length() - 1));
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      out.add(current.toString().strip());
    }
    return out;
  }
}
