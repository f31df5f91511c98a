package dev.courier.loadtests;

import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * Delayed messages ({@code Upstash-Delay}, default 5s): the publisher forwards the due time it can vouch for
 * ({@code X-Due-At} = send time + delay; Courier's own due time is its receive time + delay, never earlier),
 * and the sink measures lateness = delivery time − due time. Reports the p50/p99 lateness and fails the run
 * when a message arrived before its due time or was never delivered.
 */
public class DelayedSimulation extends Simulation {
  private final LoadConfig config = LoadConfig.load("5s");
  private final DeliverySink sink = new DeliverySink(config.sinkHost(), 0);
  private final String label = Publishing.runLabel("delayed");

  {
    setUp(Publishing.population("delayed",
        Publishing.publish(label, s -> sink.baseUrl() + "/delayed",
            r -> r.header("Upstash-Delay", config.delay())
                .header("Upstash-Forward-X-Due-At", s -> Long.toString(s.getLong("sentAt") + config.delayMs())),
            sink::accepted), config))
        .assertions(Publishing.slos(config));
  }

  @Override
  public void before() {
    sink.start();
  }

  @Override
  public void after() {
    DeliverySink.Report report = sink.drain(Duration.ofMillis(config.delayMs()).plusSeconds(config.drainSeconds()));
    report.print("delayed (" + config.delay() + ")");
    report.requireNoneLost().requireNoneEarly();
  }
}
