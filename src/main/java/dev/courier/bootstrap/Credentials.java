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
  /** The same credentials for a shell: {@code . data/credentials.env} sets what the SDKs read. */
  public static final String ENV_FILE = "credentials.env";

  /**
   * The completed config, and what of it was generated now and is in use (main prints that once: a token
   * or keys the operator supplied are never printed).
   */
  /** @param tokenFromFolder the token in use is the data folder's (generated now or at an earlier start) */
  public record Resolved(AppConfig config, boolean tokenGenerated, boolean keysGenerated, boolean keysExplicit,
      boolean tokenFromFolder) {
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

  /**
   * Writes {@code <data-dir>/credentials.env} (owner-readable only) with {@code export QSTASH_URL=…},
   * {@code QSTASH_TOKEN} and the signing keys in use, when the token is the data folder's; returns its path, or
   * null when the operator supplied the token (they have it, and a supplied secret is never written anywhere).
   *
   * @param port the port the node listens on
   * @param inUse the pair the node signs with (another node's, when it seeded Redis first)
   */
  public static Path writeEnvFile(AppConfig config, int port, dev.courier.signing.SigningKeys inUse,
      Resolved resolved) throws IOException {
    if (config.devProfile() || !resolved.tokenFromFolder()) {
      return null;
    }
    String host = config.http().host();
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
      host = "127.0.0.1";
    } else if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    String text = "# Courier's credentials, for clients and shells: . " + config.dataDir().resolve(ENV_FILE) + "\n"
        + "# Written at every start from " + FILE + " (keep both secret).\n"
        + "export QSTASH_URL=" + quote(config.http().scheme() + "://" + host + ":" + port) + "\n"
        + "export QSTASH_TOKEN=" + quote(config.auth().token()) + "\n"
        // keys the operator supplied are theirs already, and not written anywhere
        + (resolved.keysExplicit() ? "" : "export QSTASH_CURRENT_SIGNING_KEY=" + quote(inUse.current()) + "\n"
            + "export QSTASH_NEXT_SIGNING_KEY=" + quote(inUse.next()) + "\n");
    Path file = config.dataDir().resolve(ENV_FILE);
    createOwnerOnly(config.dataDir(), file);
    Files.writeString(file, text);
    return file;
  }

  /** Creates {@code file} readable by its owner only, unless it exists. */
  private static void createOwnerOnly(Path dir, Path file) throws IOException {
    Files.createDirectories(dir);
    if (!Files.exists(file)) {
      Files.createFile(file);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the folder's own permissions apply
      }
    }
  }

  /** A single-quoted shell word: a token or key never holds a quote, but a host could. */
  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  public static Resolved resolve(AppConfig config) throws IOException {
    boolean keysExplicit = config.signing().configured();
    if (config.auth().token() != null && keysExplicit) {
      return new Resolved(config, false, false, true, false);
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
      createOwnerOnly(config.dataDir(), file);
      try (Writer w = Files.newBufferedWriter(file)) {
        stored.store(w, "Courier credentials, generated on first start. Keep this file secret.");
      }
    }
    String token = config.auth().token() != null ? config.auth().token() : stored.getProperty("token");
    String current = keysExplicit ? config.signing().currentKey() : stored.getProperty("current-signing-key");
    String next = keysExplicit ? config.signing().nextKey() : stored.getProperty("next-signing-key");
    boolean tokenInUse = config.auth().token() == null;
    return new Resolved(config.withCredentials(token, current, next), tokenGenerated && tokenInUse,
        keysGenerated && !keysExplicit, keysExplicit, tokenInUse);
  }
}
