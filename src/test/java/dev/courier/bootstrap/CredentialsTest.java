package dev.courier.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.config.AppConfig;
import dev.courier.config.ConfigLoader;
import dev.courier.signing.SigningKeys;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the first start prints: only what it generated, never a credential the operator supplied. */
class CredentialsTest {
  private static AppConfig config(Path dir, Map<String, String> env) {
    var all = new java.util.HashMap<>(env);
    all.put("COURIER_DATA_DIR", dir.toString());
    return ConfigLoader.load(all, null, false);
  }

  /** The pair the node signs with when no other node seeded Redis first: its own. */
  private static SigningKeys inUse(Credentials.Resolved r) {
    return new SigningKeys(r.config().signing().currentKey(), r.config().signing().nextKey());
  }

  @Test
  void keysAnotherNodeSeededFirstAreNotAnnouncedAsThisOnes(@TempDir Path dir) throws Exception {
    var resolved = Credentials.resolve(config(dir, Map.of("QSTASH_TOKEN", "t")));
    List<String> printed = resolved.announcement(new SigningKeys("sig_sharedCurrent", "sig_sharedNext"));
    assertEquals(2, printed.size(), printed.toString());
    assertTrue(printed.get(1).contains("another node already keeps in Redis"), printed.toString());
    assertTrue(printed.stream().noneMatch(l -> l.contains(resolved.config().signing().currentKey())), printed.toString());
  }

  @Test
  void aSuppliedTokenIsNeverPrinted(@TempDir Path dir) throws Exception {
    var resolved = Credentials.resolve(config(dir, Map.of("QSTASH_TOKEN", "operator-secret")));
    assertEquals("operator-secret", resolved.config().auth().token());
    List<String> printed = resolved.announcement(inUse(resolved));
    assertEquals(3, printed.size(), "the generated signing keys: " + printed);
    assertTrue(printed.stream().noneMatch(l -> l.contains("operator-secret")), printed.toString());
    assertTrue(printed.stream().noneMatch(l -> l.contains("QSTASH_TOKEN")), printed.toString());
  }

  @Test
  void aFirstStartPrintsWhatItGeneratedAndALaterStartNothing(@TempDir Path dir) throws Exception {
    var first = Credentials.resolve(config(dir, Map.of()));
    List<String> printed = first.announcement(inUse(first));
    assertEquals(4, printed.size(), printed.toString());
    assertTrue(printed.get(1).equals("  QSTASH_TOKEN=" + first.config().auth().token()), printed.toString());
    var again = Credentials.resolve(config(dir, Map.of()));
    assertEquals(first.config().auth().token(), again.config().auth().token(), "kept in the data dir");
    assertEquals(List.of(), again.announcement(inUse(again)));
  }

  @Test
  void suppliedKeysAreNeverPrinted(@TempDir Path dir) throws Exception {
    var resolved = Credentials.resolve(config(dir, Map.of("QSTASH_CURRENT_SIGNING_KEY", "sig_operatorCurrent",
        "QSTASH_NEXT_SIGNING_KEY", "sig_operatorNext")));
    List<String> printed = resolved.announcement(inUse(resolved));
    assertTrue(printed.stream().noneMatch(l -> l.contains("sig_operator")), printed.toString());
    assertEquals(2, printed.size(), "the generated token only: " + printed);
  }

  /** data/credentials.env: what a shell sources; a supplied secret is never written into it. */
  @Test
  void theEnvFileHoldsTheFoldersCredentialsAndNoSuppliedOne(@TempDir Path dir) throws Exception {
    var generated = Credentials.resolve(config(dir.resolve("a"), Map.of()));
    Path env = Credentials.writeEnvFile(generated.config(), 8080, inUse(generated), generated);
    String text = java.nio.file.Files.readString(env);
    assertTrue(text.contains("export QSTASH_URL='http://127.0.0.1:8080'"), text);
    assertTrue(text.contains("export QSTASH_TOKEN='" + generated.config().auth().token() + "'"), text);
    assertTrue(text.contains("export QSTASH_NEXT_SIGNING_KEY='" + generated.config().signing().nextKey() + "'"), text);
    assertEquals(java.util.Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE), java.nio.file.Files.getPosixFilePermissions(env));

    var suppliedToken = Credentials.resolve(config(dir.resolve("b"), Map.of("QSTASH_TOKEN", "operator-secret")));
    assertEquals(null, Credentials.writeEnvFile(suppliedToken.config(), 8080, inUse(suppliedToken), suppliedToken));
    assertTrue(!java.nio.file.Files.exists(dir.resolve("b/credentials.env")));

    var suppliedKeys = Credentials.resolve(config(dir.resolve("c"), Map.of("QSTASH_CURRENT_SIGNING_KEY", "sig_mine1",
        "QSTASH_NEXT_SIGNING_KEY", "sig_mine2")));
    String keysText = java.nio.file.Files.readString(Credentials.writeEnvFile(suppliedKeys.config(), 8080,
        inUse(suppliedKeys), suppliedKeys));
    assertTrue(keysText.contains("QSTASH_TOKEN="), keysText);
    assertTrue(!keysText.contains("sig_mine"), keysText);
  }
}
