package dev.courier.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Temporary folders that code outside JUnit's {@code @TempDir} makes (the JVM-wide test Redis, the benchmarks'
 * databases): each is deleted when its owner is done with it. A Redis's AOF or an H2 file left behind per run
 * filled a shared disk once, and CI then failed on "No space left on device".
 */
public final class TempDirs {
  private TempDirs() {}

  public static Path create(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes the folder and all it holds; what cannot be deleted (a file still being written) is left. */
  public static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: a folder under the system's temporary folder
    }
  }

  /** A folder deleted when the JVM ends, for owners that live as long as the JVM. */
  public static Path createForJvm(String prefix) {
    Path dir = create(prefix);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
    return dir;
  }
}
