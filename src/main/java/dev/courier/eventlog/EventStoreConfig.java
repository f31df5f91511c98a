package dev.courier.eventlog;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Where the event log is kept and for how long.
 *
 * @param jdbcUrl {@code jdbc:h2:…} (one node) or {@code jdbc:postgresql:…} (any number of nodes)
 * @param user null when the URL says it, or for H2
 * @param maxPoolSize connections the store may hold; the JDBC client runs each on a worker thread
 * @param retentionMs how long events are kept before {@link EventStore#trim} may delete them
 */
public record EventStoreConfig(String jdbcUrl, String user, String password, int maxPoolSize, long retentionMs) {

  public static final long DEFAULT_RETENTION_MS = 7L * 24 * 3600 * 1000;

  /*
   * WRITE_DELAY=2000: a commit reaches H2's file up to 2 s later, or at the next EventStore.checkpoint(): a kill -9
   * before it loses what was committed (measured with WRITE_DELAY=0 off: 10,000 committed rows, 0 after the
   * restart), so the writer confirms its outbox entries only after a checkpoint (EventStore#durableOnCommit). With
   * WRITE_DELAY=0 every batch's commit wrote the file, which took most of the writer's CPU at full rate: one
   * checkpoint a second writes the same rows once. DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook would close the database under the writer's last
   * batch during a graceful stop; the node closes the store itself, after the writer.
   */
  private static final String H2_OPTIONS = ";WRITE_DELAY=2000;DB_CLOSE_ON_EXIT=FALSE";

  public EventStoreConfig {
    if (jdbcUrl == null || jdbcUrl.isBlank()) {
      throw new IllegalArgumentException("the event log needs a JDBC URL");
    }
    if (maxPoolSize < 1) {
      throw new IllegalArgumentException("the event log's pool needs at least one connection");
    }
    if (retentionMs <= 0) {
      throw new IllegalArgumentException("the event log's retention must be positive");
    }
  }

  /** The default database: an H2 file {@code eventlog.mv.db} in the node's data folder. */
  public static String h2Default(Path dataDir) {
    return "jdbc:h2:file:" + dataDir.toAbsolutePath().normalize().resolve("eventlog") + H2_OPTIONS;
  }

  Dialect dialect() {
    return Dialect.of(jdbcUrl);
  }

  /**
   * The URL the pool connects with, unless it says otherwise:
   * <ul>
   *   <li>PostgreSQL with {@code reWriteBatchedInserts=true}, which turns a JDBC batch of single-row inserts into
   *       multi-row ones (several times the rate);
   *   <li>H2 with {@code ANALYZE_AUTO=0}. H2 analyzes a table at a commit after every 2 000 changed rows (then 4 000,
   *       8 000, …): it reads up to 10 000 rows whole, and a chunk holds up to 64 KB of text, so each analysis decoded
   *       hundreds of megabytes on the writer's connection (4 % of the node's samples at the full rate and its
   *       garbage, docs/performance.md, session 20). No query of the log needs the statistics: each goes along the
   *       index its conditions name (EventStoreReadContract checks the plans of the lookups by id).
   * </ul>
   */
  String effectiveUrl() {
    String lower = jdbcUrl.toLowerCase(Locale.ROOT);
    if (dialect() == Dialect.H2) {
      return lower.contains(";analyze_auto=") ? jdbcUrl
          : jdbcUrl + (jdbcUrl.endsWith(";") ? "" : ";") + "ANALYZE_AUTO=0";
    }
    if (lower.contains("rewritebatchedinserts=")) {
      return jdbcUrl;
    }
    return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
  }

  @Override
  public String toString() {
    // Never the password: this lands in logs.
    return "EventStoreConfig[" + jdbcUrl + ", user=" + user + ", pool=" + maxPoolSize + ", retention=" + retentionMs
        + "ms]";
  }
}
