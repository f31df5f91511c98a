package dev.courier.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.Yaml;

/** The operators' files of the repository, read as Grafana and Prometheus read them. */
final class OperatorFiles {
  static final Path DASHBOARD = Path.of("grafana", "dashboards", "courier.json");
  static final Path ALERTS = Path.of("conf", "alerts.yml");
  static final Path PROMETHEUS = Path.of("conf", "prometheus.yml");

  private OperatorFiles() {}

  static JsonObject dashboard() {
    return new JsonObject(read(DASHBOARD));
  }

  /** Every PromQL expression of the dashboard's panels (rows' nested panels included). */
  static List<String> dashboardExpressions() {
    List<String> out = new ArrayList<>();
    collect(dashboard().getJsonArray("panels"), out);
    return out;
  }

  private static void collect(JsonArray panels, List<String> out) {
    if (panels == null) {
      return;
    }
    for (Object p : panels) {
      JsonObject panel = (JsonObject) p;
      collect(panel.getJsonArray("panels"), out);
      JsonArray targets = panel.getJsonArray("targets");
      if (targets != null) {
        for (Object t : targets) {
          String expr = ((JsonObject) t).getString("expr");
          if (expr != null) {
            out.add(expr);
          }
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> alerts() {
    return (Map<String, Object>) new Yaml().load(read(ALERTS));
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> alertRules() {
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Object g : (List<Object>) alerts().get("groups")) {
      rules.addAll((List<Map<String, Object>>) ((Map<String, Object>) g).get("rules"));
    }
    return rules;
  }

  /** The metric names read by the dashboard and the alert rules ({@code up} is Prometheus's own). */
  static Set<String> seriesUsed() {
    Set<String> names = new TreeSet<>();
    dashboardExpressions().forEach(e -> names.addAll(PromQl.metricNames(e)));
    alertRules().forEach(r -> names.addAll(PromQl.metricNames(String.valueOf(r.get("expr")))));
    names.remove("up");
    return names;
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
