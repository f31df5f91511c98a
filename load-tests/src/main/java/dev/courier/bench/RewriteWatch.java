package dev.courier.bench;

import java.util.Set;
import java.util.TreeSet;

/**
 * Polls Redis every 100 ms from its own thread and notes the seconds in which an AOF rewrite was in
 * progress, so that a burst of slow deliveries can be set beside it.
 */
final class RewriteWatch {
  private final Set<Long> seconds = new TreeSet<>();
  private volatile boolean running = true;
  private final Thread thread;

  private RewriteWatch(CourierProcess courier) {
    thread = new Thread(() -> {
      while (running) {
        try {
          if ("1".equals(courier.redisInfoText("persistence", "aof_rewrite_in_progress"))) {
            synchronized (seconds) {
              seconds.add((System.currentTimeMillis() / 1000) % 100_000);
            }
          }
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          // Redis busy or gone: the bench reports what it saw
        }
      }
    }, "rewrite-watch");
    thread.setDaemon(true);
  }

  static RewriteWatch start(CourierProcess courier) {
    RewriteWatch w = new RewriteWatch(courier);
    w.thread.start();
    return w;
  }

  void stop() {
    running = false;
  }

  Set<Long> seconds() {
    synchronized (seconds) {
      return new TreeSet<>(seconds);
    }
  }
}
