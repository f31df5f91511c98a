package dev.courier.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What the last periodic read of Redis found ({@link BacklogSampler}), summed over the shards. Written by the
 * sampler's event loop, read by the scrape's: volatile fields, no lock. These are the deployment's numbers, so
 * every node reports the same ones: a dashboard takes {@code max} over instances, not {@code sum}.
 */
public final class BacklogSample {
  /** Where a pending message is: due now on the wheel, delayed on it, leased to a node, or in a gate's ready list. */
  public enum State { DUE, DELAYED, IN_FLIGHT, QUEUED }

  private final double[] pending = new double[State.values().length];
  private volatile double dlq;
  private volatile double wheelLagSeconds;
  private volatile double redisUp;
  /** Permits taken in queues and in flow-control keys, and how many queues and keys there are. */
  private volatile double queuePermits;
  private volatile double flowPermits;
  private volatile double queues;
  private volatile double flowKeys;
  private volatile long sampledAt;

  void register(MeterRegistry registry) {
    for (State s : State.values()) {
      Gauge.builder("courier.messages.pending", this, b -> b.pending(s)).tag("state", CourierMetrics.label(s))
          .description("Messages not yet delivered nor dead, by where they wait").register(registry);
    }
    Gauge.builder("courier.dlq.messages", this, b -> b.dlq).description("Dead letters kept (dlq.retention)")
        .register(registry);
    Gauge.builder("courier.delay.wheel.lag", this, b -> b.wheelLagSeconds).baseUnit("seconds")
        .description("Now minus the oldest timer that is due and not yet claimed; 0 when none is").register(registry);
    Gauge.builder("courier.gate.permits.in.use", this, b -> b.queuePermits).tag("kind", "queue")
        .description("Permits taken in gates: attempts in flight, and a queue's messages waiting for their retry")
        .register(registry);
    Gauge.builder("courier.gate.permits.in.use", this, b -> b.flowPermits).tag("kind", "flow_control")
        .description("Permits taken in gates: attempts in flight, and a queue's messages waiting for their retry")
        .register(registry);
    Gauge.builder("courier.gates", this, b -> b.queues).tag("kind", "queue")
        .description("Queues and flow-control keys that exist").register(registry);
    Gauge.builder("courier.gates", this, b -> b.flowKeys).tag("kind", "flow_control")
        .description("Queues and flow-control keys that exist").register(registry);
    Gauge.builder("courier.redis.up", this, b -> b.redisUp)
        .description("1 when the last periodic read of Redis succeeded, 0 when it failed").register(registry);
  }

  private synchronized double pending(State s) {
    return pending[s.ordinal()];
  }

  synchronized void update(long due, long delayed, long inFlight, long queued, long dlqSize, double lagSeconds) {
    pending[State.DUE.ordinal()] = due;
    pending[State.DELAYED.ordinal()] = delayed;
    pending[State.IN_FLIGHT.ordinal()] = inFlight;
    pending[State.QUEUED.ordinal()] = queued;
    dlq = dlqSize;
    wheelLagSeconds = lagSeconds;
    redisUp = 1;
    sampledAt = System.currentTimeMillis();
  }

  void gates(long queuePermits, long flowPermits, long queues, long flowKeys) {
    this.queuePermits = queuePermits;
    this.flowPermits = flowPermits;
    this.queues = queues;
    this.flowKeys = flowKeys;
  }

  void redisDown() {
    redisUp = 0;
  }

  /** Unix ms of the last successful sample, 0 before the first. */
  public long sampledAt() {
    return sampledAt;
  }

  public double pendingNow(State s) {
    return pending(s);
  }

  public double dlqNow() {
    return dlq;
  }
}
