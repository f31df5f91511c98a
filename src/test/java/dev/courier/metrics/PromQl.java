package dev.courier.metrics;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads: what is left of its identifiers once strings, label matchers,
 * range and offset brackets, grouping clauses, functions and keywords are taken out. Enough for the
 * expressions of the dashboard and the alert rules, which is all it is for.
 */
final class PromQl {
  private static final Set<String> WORDS = Set.of("sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk",
      "bottomk", "quantile", "count_values", "group", "by", "without", "on", "ignoring", "group_left", "group_right",
      "and", "or", "unless", "bool", "offset", "rate", "irate", "increase", "delta", "idelta", "deriv",
      "histogram_quantile", "abs", "clamp_min", "clamp_max", "clamp", "absent", "absent_over_time", "changes",
      "resets", "time", "vector", "scalar", "avg_over_time", "max_over_time", "min_over_time", "sum_over_time",
      "count_over_time", "last_over_time", "label_replace", "round", "ceil", "floor", "sort", "sort_desc", "inf",
      "nan", "le");
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*\\}");
  private static final Pattern RANGE = Pattern.compile("\\[[^]]*\\]");
  private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENT = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");
  /** Grafana's variables ($__rate_interval, ${job}) are not metrics. */
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?[A-Za-z_]+\\}?");

  private PromQl() {}

  static Set<String> metricNames(String expr) {
    String s = STRING.matcher(expr).replaceAll(" ");
    s = VARIABLE.matcher(s).replaceAll(" ");
    s = MATCHERS.matcher(s).replaceAll(" ");
    s = RANGE.matcher(s).replaceAll(" ");
    s = GROUPING.matcher(s).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENT.matcher(s);
    while (m.find()) {
      String id = m.group();
      int before = m.start() - 1;
      boolean numberPart = before >= 0 && (Character.isDigit(s.charAt(before)) || s.charAt(before) == '.');
      if (!WORDS.contains(id) && !numberPart && !id.matches("[0-9eE]+")) {
        names.add(id);
      }
    }
    return names;
  }
}
