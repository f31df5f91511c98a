package dev.courier.bench;

import java.util.Arrays;

/**
 * Millisecond latencies, exact up to 60 s (one counter per ms): p50/p99/max without sampling. Any other
 * unit with {@link #Histogram(int)} (the FIFO gaps are in µs).
 */
final class Histogram {
  private final int max;
  private long[] counts;
  private long total;

  Histogram() {
    this(60_000);
  }

  /** Exact for values 0 … {@code max}; larger ones count as {@code max}. */
  Histogram(int max) {
    this.max = max;
    counts = new long[max + 1];
  }

  void add(long ms) {
    counts[(int) Math.min(max, Math.max(0, ms))]++;
    total++;
  }

  void clear() {
    Arrays.fill(counts, 0);
    total = 0;
  }

  Histogram copy() {
    Histogram h = new Histogram(max);
    h.counts = counts.clone();
    h.total = total;
    return h;
  }

  long count() {
    return total;
  }

  long percentile(double p) {
    if (total == 0) {
      return -1;
    }
    long rank = (long) Math.ceil(p / 100.0 * total);
    long seen = 0;
    for (int i = 0; i <= max; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return i;
      }
    }
    return max;
  }
}
