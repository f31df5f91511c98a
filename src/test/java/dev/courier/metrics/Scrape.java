package dev.courier.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** A Prometheus text exposition read into samples: name{labels} → value. */
record Scrape(Map<String, Double> samples, Set<String> names) {
  static Scrape parse(String text) {
    Map<String, Double> samples = new HashMap<>();
    Set<String> names = new TreeSet<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String series = line.substring(0, space);
      int brace = series.indexOf('{');
      names.add(brace < 0 ? series : series.substring(0, brace));
      samples.put(series, Double.parseDouble(line.substring(space + 1)));
    }
    return new Scrape(samples, names);
  }

  /** The value of an exact series (labels as the registry writes them, sorted), 0 when absent. */
  double value(String series) {
    return samples.getOrDefault(series, 0.0);
  }
}
