package dev.courier.eventlog;

/** The databases the event log runs on; the migrations of {@code eventlog/<name>/} override the shared ones. */
enum Dialect {
  H2("h2"),
  POSTGRESQL("postgresql");

  final String folder;

  Dialect(String folder) {
    this.folder = folder;
  }

  static Dialect of(String jdbcUrl) {
    if (jdbcUrl.startsWith("jdbc:h2:")) {
      return H2;
    }
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    throw new IllegalArgumentException("unsupported event log database " + jdbcUrl.replaceAll("\\?.*", "")
        + ": use a jdbc:h2: or a jdbc:postgresql: URL");
  }
}
