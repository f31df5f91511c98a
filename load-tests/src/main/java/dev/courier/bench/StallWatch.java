package dev.courier.bench;

import java.util.Map;
import java.util.TreeMap;

/**
 * A thread that sleeps 5 ms at a time and notes each wake-up later than {@code thresholdMs}: when this
 * JVM's thread was not run for that long, the machine (shared, 2 cores) stalled, not only Courier.
 */
final class StallWatch {
  private final Map<Long, Long> worst = new TreeMap<>();
  private volatile boolean running = true;
  private final Thread thread;

  private StallWatch(long thresholdMs) {
    thread = new Thread(() -> {
      long last = System.nanoTime();
      while (running) {
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
        long now = System.nanoTime();
        long lateMs = (now - last) / 1_000_000 - 5;
        if (lateMs > thresholdMs) {
          synchronized (worst) {
            worst.merge((System.currentTimeMillis() / 1000) % 100_000, lateMs, Math::max);
          }
        }
        last = now;
      }
    }, "stall-watch");
    thread.setDaemon(true);
  }

  static StallWatch start(long thresholdMs) {
    StallWatch w = new StallWatch(thresholdMs);
    w.thread.start();
    return w;
  }

  void stop() {
    running = false;
  }

  Map<Long, Long> bySecond() {
    synchronized (worst) {
      return new TreeMap<>(worst);
    }
  }
}
