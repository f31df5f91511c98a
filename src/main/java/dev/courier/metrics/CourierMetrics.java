package dev.courier.metrics;

import dev.courier.dispatch.DispatchCredit;
import dev.courier.redis.LuaScript;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Every series Courier defines itself (conventions §3.9), registered once when the node starts and held in
 * fields, so that the hot path records on a meter it already has: no name or tag lookup per message. Names
 * are Micrometer's dotted ones; the Prometheus registry adds {@code _total}, {@code _seconds} and the
 * {@code courier_} words become the prefix. Labels come from the enums below only, never from a message.
 *
 * <p>Disabled ({@code metrics.enabled: false}), the meters come from an empty composite registry: Micrometer
 * hands out no-op meters, so the code that records stays the same and costs a virtual call.
 */
public final class CourierMetrics implements AutoCloseable {
  /** What became of a publish, per message (a URL group's fan-out counts each endpoint's message). */
  public enum Published { ACCEPTED, DUPLICATE, REJECTED }

  /**
   * What one attempt ended in: {@code success} a 2xx; {@code timeout} no answer within the message's timeout;
   * otherwise {@code retryable} when a retry was scheduled, {@code permanent} when it went to the DLQ.
   */
  public enum AttemptOutcome { SUCCESS, RETRYABLE, PERMANENT, TIMEOUT }

  /** Buckets of the delivery histograms: a local sink answers in a millisecond, a slow one in seconds. */
  private static final Duration[] DELIVERY_BUCKETS = durations(1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000,
      10_000, 30_000, 60_000);
  /** Publish to 2xx: includes the message's own delay and its retries' backoff. */
  private static final Duration[] LATENCY_BUCKETS = durations(5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000,
      10_000, 30_000, 60_000, 300_000, 3_600_000);
  private static final Duration[] SCRIPT_BUCKETS = durations(1, 2, 5, 10, 25, 50, 100, 250, 1_000);

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final JvmGcMetrics gc;
  private final Map<Published, Counter> published = new EnumMap<>(Published.class);
  private final Map<AttemptOutcome, Counter> attempts = new EnumMap<>(AttemptOutcome.class);
  private final Map<AttemptOutcome, Timer> durations = new EnumMap<>(AttemptOutcome.class);
  private final Map<LuaScript, Timer> scripts = new EnumMap<>(LuaScript.class);
  private final Timer endToEnd;
  private final Counter retries;
  private final Counter deadLettered;
  private final Counter callbacks;
  private final Counter permitWaits;
  private final Counter deferred;
  private final Counter creditWaitsGranted;
  private final Counter creditWaitsTimedOut;
  private final BacklogSample backlog = new BacklogSample();
  private final Counter eventsWritten;
  private final Counter schedulesFired;
  private final Counter scheduleFiresFailed;
  private final Counter eventWriteFailures;
  private volatile double eventLogBacklog;
  private volatile double eventLogLagSeconds;
  private volatile double eventLogWriterPaced;

  private CourierMetrics(MeterRegistry registry, PrometheusMeterRegistry prometheus) {
    this.registry = registry;
    this.prometheus = prometheus;
    for (Published p : Published.values()) {
      published.put(p, Counter.builder("courier.messages.published").tag("result", label(p))
          .description("Messages offered to publish, by what became of them").register(registry));
    }
    for (AttemptOutcome o : AttemptOutcome.values()) {
      attempts.put(o, Counter.builder("courier.delivery.attempts").tag("outcome", label(o))
          .description("Delivery attempts, by outcome").register(registry));
      durations.put(o, Timer.builder("courier.delivery.duration").tag("outcome", label(o))
          .description("One attempt: from the request to the decision on its answer")
          .serviceLevelObjectives(DELIVERY_BUCKETS).register(registry));
    }
    for (LuaScript s : LuaScript.values()) {
      scripts.put(s, Timer.builder("courier.lua.script.duration").tag("script", s.label())
          .description("One EVALSHA round trip, the pipeline's wait included")
          .serviceLevelObjectives(SCRIPT_BUCKETS).register(registry));
    }
    endToEnd = Timer.builder("courier.end.to.end.latency")
        .description("From publish to the 2xx of the attempt that delivered it")
        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    retries = Counter.builder("courier.retries.scheduled").description("Failed attempts put back on the wheel")
        .register(registry);
    deadLettered = Counter.builder("courier.messages.dead.lettered").description("Messages moved to the DLQ")
        .register(registry);
    callbacks = Counter.builder("courier.callbacks").description("Callback and failure-callback messages stored")
        .register(registry);
    permitWaits = Counter.builder("courier.delivery.permit.waits")
        .description("Times the wheel found due work but no free delivery permit (delivery.max-in-flight)")
        .register(registry);
    deferred = Counter.builder("courier.delivery.deferred")
        .description("Claimed messages put back on the wheel unattempted: their host held its share of the"
            + " credit and had stopped answering (delivery.host-share)")
        .register(registry);
    creditWaitsGranted = creditWaits("granted", registry);
    creditWaitsTimedOut = creditWaits("timed_out", registry);
    backlog.register(registry);
    schedulesFired = Counter.builder("courier.schedule.fires").tag("result", "published")
        .description("Schedule fires this node claimed, by whether their message was published").register(registry);
    scheduleFiresFailed = Counter.builder("courier.schedule.fires").tag("result", "failed")
        .description("Schedule fires this node claimed, by whether their message was published").register(registry);
    eventsWritten = Counter.builder("courier.eventlog.events.written")
        .description("Events this node's writer stored in the event log's database").register(registry);
    eventWriteFailures = Counter.builder("courier.eventlog.write.failures")
        .description("Batches the event-log writer could not store (the database was unreachable or refused them)")
        .register(registry);
    Gauge.builder("courier.eventlog.backlog", this, m -> m.eventLogBacklog)
        .description("Outbox entries not yet in the database, over the shards (each holds one script call's events)")
        .register(registry);
    Gauge.builder("courier.eventlog.lag", this, m -> m.eventLogLagSeconds).baseUnit("seconds")
        .description("Now minus the time of the oldest outbox entry not yet in the database; 0 when none")
        .register(registry);
    Gauge.builder("courier.eventlog.writer.paced", this, m -> m.eventLogWriterPaced)
        .description("1 while the event-log writer keeps to its share of a core (the node delivers and is busy:"
            + " event-log.writer-busy-loops), 0 while it stores at full speed")
        .register(registry);
    if (prometheus != null) {
      new ClassLoaderMetrics().bindTo(registry);
      new JvmMemoryMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
      gc = new JvmGcMetrics();
      gc.bindTo(registry);
    } else {
      gc = null;
    }
  }

  /** @param registry the node's registry (shared with Vert.x's own metrics when Main built the Vertx on it) */
  public static CourierMetrics enabled(PrometheusMeterRegistry registry) {
    return new CourierMetrics(registry, registry);
  }

  /** No-op meters and no {@code /metrics}: for {@code metrics.enabled: false}. */
  public static CourierMetrics disabled() {
    return new CourierMetrics(new CompositeMeterRegistry(), null);
  }

  public boolean isEnabled() {
    return prometheus != null;
  }

  /** The Prometheus text exposition; null when metrics are off. */
  public String scrape() {
    return prometheus == null ? null : prometheus.scrape();
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void published(Published result) {
    published.get(result).increment();
  }

  /** @param startNanos {@link System#nanoTime()} when the attempt began */
  public void attempt(AttemptOutcome outcome, long startNanos) {
    attempts.get(outcome).increment();
    durations.get(outcome).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  /** @param createdAt unix ms of the publish */
  public void delivered(long createdAt, long now) {
    endToEnd.record(Math.max(0, now - createdAt), TimeUnit.MILLISECONDS);
  }

  /** @param published whether the fire's message was published (a fire is claimed once: a failed one is lost) */
  public void scheduleFired(boolean published) {
    (published ? schedulesFired : scheduleFiresFailed).increment();
  }

  public void eventsWritten(int n) {
    eventsWritten.increment(n);
  }

  public void eventWriteFailed() {
    eventWriteFailures.increment();
  }

  /** The event log's backlog as the writer last read it from Redis. */
  public void eventLogBacklog(long entries, double lagSeconds) {
    eventLogBacklog = entries;
    eventLogLagSeconds = lagSeconds;
  }

  /** Whether the writer kept to its share after its last batch (WriterPacing). */
  public void eventLogWriterPaced(boolean paced) {
    eventLogWriterPaced = paced ? 1 : 0;
  }

  public void retryScheduled() {
    retries.increment();
  }

  public void deadLettered() {
    deadLettered.increment();
  }

  public void callbacks(int n) {
    if (n > 0) {
      callbacks.increment(n);
    }
  }

  public void permitWait() {
    permitWaits.increment();
  }

  public void deferred() {
    deferred.increment();
  }

  private static Counter creditWaits(String result, MeterRegistry registry) {
    return Counter.builder("courier.publish.credit.waits").tag("result", result)
        .description("Publish batches that found no free delivery credit and waited for some"
            + " (delivery.direct-wait-ms), by how the wait ended: granted (stored leased) or timed_out (on the wheel)")
        .register(registry);
  }

  /** A publish batch waited for credit: it got some ({@code granted}), or its wait ran out. */
  public void creditWait(boolean granted) {
    (granted ? creditWaitsGranted : creditWaitsTimedOut).increment();
  }

  /** The timer of one script (looked up in an EnumMap, no tags built). */
  public Timer script(LuaScript script) {
    return scripts.get(script);
  }

  /** What the periodic Redis reads last found ({@link BacklogSampler}). */
  public BacklogSample backlog() {
    return backlog;
  }

  /** The node's delivery permits: taken (attempts in flight or held until due) and the limit. */
  public void bindCredit(DispatchCredit credit, int limit) {
    Gauge.builder("courier.delivery.permits.in.use", credit, c -> limit - c.free())
        .description("Delivery permits this node has taken (delivery.max-in-flight is the limit)").register(registry);
    Gauge.builder("courier.delivery.permits.limit", () -> limit).description("delivery.max-in-flight")
        .register(registry);
  }

  @Override
  public void close() {
    if (gc != null) {
      gc.close();
    }
  }

  static String label(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private static Duration[] durations(long... millis) {
    Duration[] out = new Duration[millis.length];
    for (int i = 0; i < millis.length; i++) {
      out[i] = Duration.ofMillis(millis[i]);
    }
    return out;
  }
}
