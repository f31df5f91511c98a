package dev.courier.bench;

import java.util.Arrays;

/** Millisecond latencies, exact up to 60 s (one counter per ms): p50/p99/max without sampling. */
final class Histogram {
  private static final int MAX = 60_000;
  private long[] counts = new long[MAX + 1];
  private long total;

  void add(long ms) {
    counts[(int) Math.min(MAX, Math.max(0, ms))]++;
    total++;
  }

  void clear() {
    Arrays.fill(counts, 0);
    total = 0;
  }

  Histogram copy() {
    Histogram h = new Histogram();
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
    for (int i = 0; i <= MAX; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return i;
      }
    }
    return MAX;
  }
}
