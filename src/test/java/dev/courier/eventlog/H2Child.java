package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.await;

import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Another process on the same H2 file, for what one JVM cannot show itself: H2 lets every connection of one JVM
 * share an open database, so only a second process meets the file lock, and only a process can be killed.
 * {@code hold <url>} opens the store and keeps it open until its stdin closes; {@code insert <url>} stores 5
 * batches, says how many events it stored, and waits to be killed.
 */
public final class H2Child {
  private H2Child() {}

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    EventStore store = await(EventStore.open(vertx, new EventStoreConfig(args[1], null, null, 2,
        EventStoreConfig.DEFAULT_RETENTION_MS)));
    if (args[0].equals("insert")) {
      int events = 0;
      for (int b = 0; b < 5; b++) {
        EventBatch batch = LogFixtures.delivered("c" + b, 25, LogFixtures.T0 + b);
        await(store.insert(batch));
        events += batch.events().size();
      }
      await(store.checkpoint()); // what the writer waits for before it confirms its outbox entries
      System.out.println("INSERTED " + events);
    } else {
      System.out.println("OPEN");
    }
    System.out.flush();
    // Until the parent closes our stdin (or kills us).
    while (System.in.read() >= 0) {
      // nothing
    }
    await(store.close());
    await(vertx.close());
  }

  static Process start(String mode, String url) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        H2Child.class.getName(), mode, url);
    pb.redirectErrorStream(true);
    return pb.start();
  }

  /** Reads the child's output (and keeps draining it) until a line starts with {@code prefix}; answers it. */
  static String awaitLine(Process child, String prefix) throws Exception {
    CompletableFuture<String> found = new CompletableFuture<>();
    StringBuilder seen = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (seen) {
            seen.append(line).append('\n');
          }
          if (line.startsWith(prefix)) {
            found.complete(line);
          }
        }
      } catch (Exception e) {
        found.completeExceptionally(e);
      }
      synchronized (seen) {
        found.completeExceptionally(new IllegalStateException("the child ended without saying " + prefix + ":\n"
            + seen));
      }
    });
    reader.setDaemon(true);
    reader.start();
    return found.get(60, TimeUnit.SECONDS);
  }
}
