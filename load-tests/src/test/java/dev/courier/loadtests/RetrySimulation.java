package dev.courier.loadtests;

import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * Retries: the sink answers 500 to {@code failPercent} % (default 10) of first attempts, picked by a hash of
 * the message id, so that those messages go through Courier's retry path ({@code Upstash-Retries},
 * default 3, {@code Upstash-Retry-Delay: 100} ms). Fails the run unless every accepted message is
 * eventually delivered.
 */
public class RetrySimulation extends Simulation {
  private final LoadConfig config = LoadConfig.load(null);
  private final DeliverySink sink = new DeliverySink(config.sinkHost(), (int) LoadConfig.number("failPercent", 10));
  private final String retries = LoadConfig.prop("retries", "3");
  private final String label = Publishing.runLabel("retry");

  {
    setUp(Publishing.population("retry",
        Publishing.publish(label, s -> sink.baseUrl() + "/retry",
            r -> r.header("Upstash-Retries", retries).header("Upstash-Retry-Delay", "100"),
            sink::accepted), config))
        .assertions(Publishing.slos(config));
  }

  @Override
  public void before() {
    sink.start();
  }

  @Override
  public void after() {
    DeliverySink.Report report = sink.drain(Duration.ofSeconds(config.drainSeconds()));
    report.print("retry");
    report.requireNoneLost();
    if (report.injectedFailures() == 0) {
      throw new AssertionError("no first attempt was answered 500: the retry path was not exercised");
    }
  }
}
