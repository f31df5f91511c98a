package dev.courier.bootstrap;

import dev.courier.config.AppConfig;
import dev.courier.model.Ids;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

/**
 * Fills in the API token and signing keys that the configuration left empty: read from
 * {@code <data-dir>/credentials.properties}, or generated there on first start (owner-readable only).
 * Runs once in main, before any event loop, so plain file I/O is fine here.
 */
public final class Credentials {
  private static final String FILE = "credentials.properties";

  /** The completed config, and whether anything was generated now (then main prints it once). */
  public record Resolved(AppConfig config, boolean generated, boolean keysExplicit) {}

  private Credentials() {}

  public static Resolved resolve(AppConfig config) throws IOException {
    boolean keysExplicit = config.signing().configured();
    if (config.auth().token() != null && keysExplicit) {
      return new Resolved(config, false, true);
    }
    Path file = config.dataDir().resolve(FILE);
    Properties stored = new Properties();
    if (Files.isRegularFile(file)) {
      try (Reader r = Files.newBufferedReader(file)) {
        stored.load(r);
      }
    }
    boolean generated = false;
    if (stored.getProperty("token") == null) {
      stored.setProperty("token", Ids.token(43));
      generated = true;
    }
    if (stored.getProperty("current-signing-key") == null || stored.getProperty("next-signing-key") == null) {
      stored.setProperty("current-signing-key", Ids.signingKey());
      stored.setProperty("next-signing-key", Ids.signingKey());
      generated = true;
    }
    if (generated) {
      Files.createDirectories(config.dataDir());
      if (!Files.exists(file)) {
        Files.createFile(file);
        try {
          Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          // not a POSIX file system: the folder's own permissions apply
        }
      }
      try (Writer w = Files.newBufferedWriter(file)) {
        stored.store(w, "Courier credentials, generated on first start. Keep this file secret.");
      }
    }
    String token = config.auth().token() != null ? config.auth().token() : stored.getProperty("token");
    String current = keysExplicit ? config.signing().currentKey() : stored.getProperty("current-signing-key");
    String next = keysExplicit ? config.signing().nextKey() : stored.getProperty("next-signing-key");
    return new Resolved(config.withCredentials(token, current, next), generated, keysExplicit);
  }
}
