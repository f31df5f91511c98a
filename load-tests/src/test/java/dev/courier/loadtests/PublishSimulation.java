package dev.courier.loadtests;

import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * The publish path alone. The destination is {@code -DsinkUrl=...} when given, else a counting sink inside
 * this JVM. With {@code -Ddelayed=true} every publish carries {@code Upstash-Delay} ({@code delay}, default
 * 1h), so nothing is delivered during the run and only ingestion is measured; {@code after()} then cancels
 * the run's messages (bulk cancel by its {@code Upstash-Label}). Without it, {@code after()} waits for the
 * deliveries to drain into the in-JVM sink and reports them, without failing on them.
 */
public class PublishSimulation extends Simulation {
  private final boolean delayed = LoadConfig.flag("delayed");
  private final LoadConfig config = LoadConfig.load(delayed ? "1h" : null);
  private final String sinkUrl = LoadConfig.prop("sinkUrl", null);
  private final DeliverySink sink = sinkUrl == null ? new DeliverySink(config.sinkHost(), 0) : null;
  private final String label = Publishing.runLabel("publish");

  {
    setUp(Publishing.population(delayed ? "publish-delayed" : "publish",
        Publishing.publish(label, s -> sinkUrl != null ? sinkUrl : sink.baseUrl() + "/publish",
            r -> delayed ? r.header("Upstash-Delay", config.delay()) : r,
            id -> { if (sink != null) sink.accepted(id); }), config))
        .assertions(Publishing.slos(config));
  }

  @Override
  public void before() {
    if (sink != null) {
      sink.start();
    }
  }

  @Override
  public void after() {
    if (delayed) {
      System.out.println("courier load: cancelled the run's delayed messages: "
          + Publishing.cancelLeftovers(config, label));
    }
    if (sink != null) {
      if (delayed) {
        sink.stop();
      } else {
        sink.drain(Duration.ofSeconds(config.drainSeconds())).print("publish (deliveries, not asserted)");
      }
    }
  }
}
