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

  /**
   * The completed config, and what of it was generated now and is in use (main prints that once: a token
   * or keys the operator supplied are never printed).
   */
  public record Resolved(AppConfig config, boolean tokenGenerated, boolean keysGenerated, boolean keysExplicit) {
    /**
     * The lines main prints at the start that generated credentials (empty when none were), once the node
     * runs: the signing keys in use are those already in Redis when another node seeded them first, and
     * the ones generated here would only mislead whoever copied them into a receiver.
     *
     * @param inUse the pair the node signs with
     */
    public java.util.List<String> announcement(dev.courier.signing.SigningKeys inUse) {
      if (!tokenGenerated && !keysGenerated) {
        return java.util.List.of();
      }
      java.util.List<String> lines = new java.util.ArrayList<>();
      lines.add("courier: generated credentials (kept in " + config.dataDir().resolve(FILE) + "):");
      if (tokenGenerated) {
        lines.add("  QSTASH_TOKEN=" + config.auth().token());
      }
      if (keysGenerated && inUse.current().equals(config.signing().currentKey())) {
        lines.add("  QSTASH_CURRENT_SIGNING_KEY=" + config.signing().currentKey());
        lines.add("  QSTASH_NEXT_SIGNING_KEY=" + config.signing().nextKey());
      } else if (keysGenerated) {
        lines.add("  signing keys: not these; the node signs with the pair another node already keeps in Redis"
            + " (GET /v2/keys)");
      }
      return lines;
    }
  }

  private Credentials() {}

  public static Resolved resolve(AppConfig config) throws IOException {
    boolean keysExplicit = config.signing().configured();
    if (config.auth().token() != null && keysExplicit) {
      return new Resolved(config, false, false, true);
    }
    Path file = config.dataDir().resolve(FILE);
    Properties stored = new Properties();
    if (Files.isRegularFile(file)) {
      try (Reader r = Files.newBufferedReader(file)) {
        stored.load(r);
      }
    }
    boolean tokenGenerated = false;
    boolean keysGenerated = false;
    if (stored.getProperty("token") == null) {
      stored.setProperty("token", Ids.token(43));
      tokenGenerated = true;
    }
    if (stored.getProperty("current-signing-key") == null || stored.getProperty("next-signing-key") == null) {
      stored.setProperty("current-signing-key", Ids.signingKey());
      stored.setProperty("next-signing-key", Ids.signingKey());
      keysGenerated = true;
    }
    if (tokenGenerated || keysGenerated) {
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
    boolean tokenInUse = config.auth().token() == null;
    return new Resolved(config.withCredentials(token, current, next), tokenGenerated && tokenInUse,
        keysGenerated && !keysExplicit, keysExplicit);
  }
}
