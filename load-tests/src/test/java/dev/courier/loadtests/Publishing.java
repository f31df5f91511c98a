package dev.courier.loadtests;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What all simulations share: the HTTP protocol (base URL, bearer token, pooled connections), one publish
 * of a 200-byte JSON body as an open-model virtual user, the injection profile and the SLO assertions.
 *
 * <p>Every publish forwards its send time as {@code X-Sent-At} (epoch ms) and carries the run's
 * {@code Upstash-Label}, so that what a run left behind can be cancelled with one bulk cancel.
 */
public final class Publishing {
  /** The Gatling request name of a publish; the p99 assertion is on it. */
  public static final String PUBLISH = "publish";
  static final int BODY_BYTES = 200;
  private static final AtomicLong SEQ = new AtomicLong();

  private Publishing() {
  }

  /** Courier's API: base URL, bearer token, one connection pool shared by all virtual users. */
  public static HttpProtocolBuilder protocol(LoadConfig c) {
    return http.baseUrl(c.courierUrl())
        .authorizationHeader("Bearer " + c.token())
        .acceptHeader("application/json")
        .contentTypeHeader("application/json")
        .shareConnections()
        .disableCaching();
  }

  /**
   * One publish to {@code destination} (a full URL, resolved per message), with the extra headers
   * {@code customize} adds; when Courier answers 200 the message id goes to {@code onAccepted}.
   * The session attribute {@code sentAt} (epoch ms) is set just before the request.
   */
  public static ChainBuilder publish(String label, Function<Session, String> destination,
      UnaryOperator<HttpRequestActionBuilder> customize, Consumer<String> onAccepted) {
    HttpRequestActionBuilder request = http(PUBLISH)
        .post(s -> "/v2/publish/" + destination.apply(s))
        .header("Upstash-Forward-X-Sent-At", s -> Long.toString(s.getLong("sentAt")))
        .header("Upstash-Label", label)
        .body(StringBody(s -> body(s.getLong("sentAt"))))
        .check(status().is(200), jsonPath("$.messageId").saveAs("messageId"));
    return exec(s -> s.set("sentAt", System.currentTimeMillis()))
        .exec(customize.apply(request))
        .exec(s -> {
          if (!s.isFailed() && s.contains("messageId")) {
            onAccepted.accept(s.getString("messageId"));
          }
          return s;
        });
  }

  /** A JSON body of exactly {@value #BODY_BYTES} bytes. */
  static String body(long sentAt) {
    StringBuilder b = new StringBuilder(BODY_BYTES)
        .append("{\"seq\":").append(SEQ.incrementAndGet()).append(",\"sentAt\":").append(sentAt).append(",\"pad\":\"");
    while (b.length() < BODY_BYTES - 2) {
      b.append('x');
    }
    return b.append("\"}").toString();
  }

  /** The open-model population: a linear ramp from 1/s to {@code rate}, then a plateau at {@code rate}. */
  public static PopulationBuilder population(String scenarioName, ChainBuilder publish, LoadConfig c) {
    List<OpenInjectionStep> steps = new ArrayList<>();
    if (c.rampSeconds() > 0) {
      steps.add(rampUsersPerSec(1).to(c.rate()).during(c.rampSeconds()));
    }
    steps.add(constantUsersPerSec(c.rate()).during(c.durationSeconds()));
    return scenario(scenarioName).exec(publish).injectOpen(steps).protocols(protocol(c));
  }

  /** The publish SLOs: share of publishes answered 200, and the p99 publish response time. */
  public static Assertion[] slos(LoadConfig c) {
    return new Assertion[] {
        global().successfulRequests().percent().gte(c.minSuccessPct()),
        details(PUBLISH).responseTime().percentile(99.0).lt(c.maxP99Ms()),
    };
  }

  /** A label unique to this run of {@code simulation}, e.g. {@code gatling-e2e-1732451234567}. */
  public static String runLabel(String simulation) {
    return "gatling-" + simulation + "-" + System.currentTimeMillis();
  }

  /** Cancels every message of the run still waiting in Courier (bulk cancel by label); returns Courier's answer. */
  public static String cancelLeftovers(LoadConfig c, String label) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create(c.courierUrl() + "/v2/messages?label=" + label))
          .header("Authorization", "Bearer " + c.token()).DELETE().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + " " + r.body();
    } catch (Exception e) {
      return "failed: " + e;
    }
  }
}
