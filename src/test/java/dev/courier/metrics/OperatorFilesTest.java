package dev.courier.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The alert rules, the Prometheus configuration and the Grafana provisioning, checked as far as the build can
 * without the tools: {@code promtool} is run on them when it is on the PATH (Debian package {@code prometheus});
 * without it, the rules' structure is checked here in Java (groups, names, expressions, {@code for} durations,
 * severities, annotations), which catches a broken file but not a PromQL syntax error.
 */
class OperatorFilesTest {
  private static final Set<String> ALERTS = Set.of("CourierDown", "CourierRedisDown", "CourierWheelLagging",
      "CourierDeadLettersGrowing", "CourierDeliveryErrorRate");

  @Test
  @SuppressWarnings("unchecked")
  void alertRulesAreWellFormed() {
    Map<String, Object> file = OperatorFiles.alerts();
    assertEquals(Set.of("groups"), file.keySet());
    Set<String> names = new HashSet<>();
    for (Object g : (List<Object>) file.get("groups")) {
      Map<String, Object> group = (Map<String, Object>) g;
      assertTrue(group.get("name") instanceof String, "a group has a name");
      for (Object r : (List<Object>) group.get("rules")) {
        Map<String, Object> rule = (Map<String, Object>) r;
        String alert = (String) rule.get("alert");
        assertNotNull(alert, "every rule is an alert: " + rule);
        assertTrue(names.add(alert), "alert names are unique: " + alert);
        assertTrue(Set.of("alert", "expr", "for", "labels", "annotations").containsAll(rule.keySet()),
            alert + " has only known fields: " + rule.keySet());
        String expr = String.valueOf(rule.get("expr"));
        assertFalse(expr.isBlank(), alert);
        assertBalanced(alert, expr);
        assertTrue(String.valueOf(rule.get("for")).matches("\\d+[smh]"), alert + ": for is a duration");
        Map<String, Object> labels = (Map<String, Object>) rule.get("labels");
        assertTrue(Set.of("critical", "warning").contains(labels.get("severity")), alert + ": severity");
        Map<String, Object> annotations = (Map<String, Object>) rule.get("annotations");
        assertNotNull(annotations.get("summary"), alert + ": summary");
        assertNotNull(annotations.get("description"), alert + ": description");
      }
    }
    assertTrue(names.containsAll(ALERTS), "the alerts issue #20 asks for: " + names);
    // Every alert is explained in the operations guide.
    String guide = OperatorFiles.read(Path.of("docs", "operations.md"));
    names.forEach(n -> assertTrue(guide.contains(n), "docs/operations.md explains " + n));
  }

  @Test
  void promtoolAcceptsTheRulesAndTheConfigWhereItIsInstalled(@TempDir Path dir) throws Exception {
    Path promtool = promtool();
    if (promtool == null) {
      System.out.println("promtool is not installed: the rules were checked in Java only (alertRulesAreWellFormed)");
      return;
    }
    assertEquals(0, run(promtool.toString(), "check", "rules", OperatorFiles.ALERTS.toString()));
    // The config names the token file the operator writes (conf/courier-token): checked beside a stand-in.
    Files.copy(OperatorFiles.PROMETHEUS, dir.resolve("prometheus.yml"));
    Files.copy(OperatorFiles.ALERTS, dir.resolve("alerts.yml"));
    Files.writeString(dir.resolve("courier-token"), "token");
    assertEquals(0, run(promtool.toString(), "check", "config", dir.resolve("prometheus.yml").toString()));
  }

  @Test
  @SuppressWarnings("unchecked")
  void prometheusScrapesCourierWithTheTokenAndLoadsTheRules() {
    Map<String, Object> config = new Yaml().load(OperatorFiles.read(OperatorFiles.PROMETHEUS));
    assertEquals(List.of("alerts.yml"), config.get("rule_files"));
    Map<String, Object> job = ((List<Map<String, Object>>) config.get("scrape_configs")).get(0);
    assertEquals("courier", job.get("job_name"), "the alerts select job=\"courier\"");
    assertEquals("/metrics", job.get("metrics_path"));
    assertEquals("Bearer", ((Map<String, Object>) job.get("authorization")).get("type"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void grafanaProvisionsTheDashboardOnTheDatasourceItNames() {
    Map<String, Object> ds = new Yaml().load(OperatorFiles.read(Path.of("grafana/provisioning/datasources/courier.yml")));
    String uid = (String) ((List<Map<String, Object>>) ds.get("datasources")).get(0).get("uid");
    JsonObject dashboard = OperatorFiles.dashboard();
    assertEquals("courier", dashboard.getString("uid"));
    dashboard.getJsonArray("panels").forEach(p -> {
      JsonObject panel = (JsonObject) p;
      if (!"row".equals(panel.getString("type"))) {
        assertEquals(uid, panel.getJsonObject("datasource").getString("uid"), panel.getString("title"));
      }
    });
    Map<String, Object> dashboards = new Yaml().load(OperatorFiles.read(
        Path.of("grafana/provisioning/dashboards/courier.yml")));
    assertEquals("file", ((List<Map<String, Object>>) dashboards.get("providers")).get(0).get("type"));
    assertTrue(OperatorFiles.dashboardExpressions().size() >= 20, "the dashboard's panels have queries");
  }

  @Test
  void metricNamesAreReadOutOfPromQl() {
    assertEquals(Set.of("courier_delivery_duration_seconds_bucket"), PromQl.metricNames(
        "histogram_quantile(0.99, sum by (le, script) (rate(courier_delivery_duration_seconds_bucket{job=~\"$job\"}"
            + "[$__rate_interval])))"));
    assertEquals(Set.of("a_total", "b"), PromQl.metricNames(
        "sum by (job) (rate(a_total{outcome!=\"success\"}[5m])) / max(b) > 0.25 and 1e3 < 2"));
  }

  private static void assertBalanced(String alert, String expr) {
    int depth = 0;
    for (char c : expr.toCharArray()) {
      depth += c == '(' || c == '{' || c == '[' ? 1 : c == ')' || c == '}' || c == ']' ? -1 : 0;
      assertTrue(depth >= 0, alert + ": brackets");
    }
    assertEquals(0, depth, alert + ": brackets");
  }

  private static Path promtool() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, "promtool");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private static int run(String... command) throws Exception {
    // Not inheritIO: the forked test JVM's stdout is Surefire's channel.
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    System.out.println(String.join(" ", command) + ":\n" + out);
    return p.exitValue();
  }
}
