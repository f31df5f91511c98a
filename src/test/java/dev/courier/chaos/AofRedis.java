package dev.courier.chaos;

import dev.courier.bootstrap.EmbeddedRedis;
import dev.courier.support.JarProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import redis.embedded.core.ExecutableProvider;

/**
 * A redis-server (the binary Courier embeds) that fsyncs every write to its AOF before it answers
 * ({@code appendfsync always}), so that a write Courier saw acknowledged survives a SIGKILL of the server. Courier's
 * own {@link EmbeddedRedis} syncs once a second and restarts a server that dies; here the test kills and restarts
 * it itself, on the same port and folder.
 */
final class AofRedis implements AutoCloseable {
  private final Path dir;
  private final int port;
  private Process process;

  private AofRedis(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  static AofRedis start(Path dir) throws Exception {
    AofRedis redis = new AofRedis(dir, EmbeddedRedis.freePort());
    redis.launch();
    return redis;
  }

  /** Starts the server (again) on its port and folder, and waits until it has loaded its AOF and serves. */
  synchronized void launch() throws Exception {
    String binary = ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
    Process p = new ProcessBuilder(List.of(binary, "--bind", "127.0.0.1", "--port", Integer.toString(port),
        "--dir", dir.toString(), "--appendonly", "yes", "--appendfsync", "always", "--save", ""))
        .redirectErrorStream(true).start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    JarProcess.echo(p, line -> {
      if (line.contains("Ready to accept connections")) {
        ready.complete(null);
      }
    }, () -> ready.completeExceptionally(new IllegalStateException("redis-server exited")));
    ready.get(30, TimeUnit.SECONDS);
    process = p;
  }

  /** SIGKILL: no last write, no clean shutdown; what it acknowledged is in the AOF already. */
  synchronized void kill9() throws Exception {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("redis-server survived SIGKILL");
    }
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public synchronized void close() throws Exception {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
