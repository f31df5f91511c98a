package dev.courier.loadtests;

import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * Publish and delivery together: publishes to a sink inside this JVM, then (in {@code after()}) waits for the
 * deliveries to drain and reports delivered/accepted, lost, duplicated and the p50/p99 publish-to-delivery
 * latency. Fails the run when an accepted message was not delivered within {@code drainSeconds}.
 */
public class EndToEndSimulation extends Simulation {
  private final LoadConfig config = LoadConfig.load(null);
  private final DeliverySink sink = new DeliverySink(config.sinkHost(), 0);
  private final String label = Publishing.runLabel("e2e");

  {
    setUp(Publishing.population("end-to-end",
        Publishing.publish(label, s -> sink.baseUrl() + "/e2e", r -> r, sink::accepted), config))
        .assertions(Publishing.slos(config));
  }

  @Override
  public void before() {
    sink.start();
  }

  @Override
  public void after() {
    DeliverySink.Report report = sink.drain(Duration.ofSeconds(config.drainSeconds()));
    report.print("end-to-end");
    report.requireNoneLost().requireLatencyP99(config.maxDeliveryP99Ms());
  }
}
