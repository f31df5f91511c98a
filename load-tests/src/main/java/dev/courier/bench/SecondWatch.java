package dev.courier.bench;

import java.util.Map;
import java.util.TreeMap;

/**
 * A thread of its own that samples something every few milliseconds and keeps, per second of the
 * clock, the largest sample worth noting; used beside the latency phase to tell where a burst of slow
 * deliveries came from.
 */
final class SecondWatch {
  /** One sample; a negative value is nothing to note. */
  interface Probe {
    long sample() throws Exception;
  }

  private final Map<Long, Long> worst = new TreeMap<>();
  private volatile boolean running = true;

  private SecondWatch(String name, long periodMs, Probe probe) {
    Thread thread = new Thread(() -> {
      while (running) {
        try {
          Thread.sleep(periodMs);
          long value = probe.sample();
          if (value >= 0) {
            synchronized (worst) {
              worst.merge((System.currentTimeMillis() / 1000) % 100_000, value, Math::max);
            }
          }
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          // the probed thing is busy or gone: the bench reports what was seen
        }
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Wake-ups of this JVM's thread later than {@code thresholdMs} (ms late): when it was not run for that
   * long, the machine (shared, 2 cores) stalled, not only Courier.
   */
  static SecondWatch stalls(long thresholdMs) {
    long periodMs = 5;
    long[] last = {System.nanoTime()};
    return new SecondWatch("stall-watch", periodMs, () -> {
      long now = System.nanoTime();
      long lateMs = (now - last[0]) / 1_000_000 - periodMs;
      last[0] = now;
      return lateMs > thresholdMs ? lateMs : -1;
    });
  }

  /** Seconds in which Redis had an AOF rewrite in progress (polled every 100 ms). */
  static SecondWatch aofRewrites(CourierProcess courier) {
    return new SecondWatch("rewrite-watch", 100,
        () -> "1".equals(courier.redisInfoText("persistence", "aof_rewrite_in_progress")) ? 1 : -1);
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
