package dev.courier.api;

import dev.courier.config.AppConfig;
import dev.courier.flowcontrol.FlowControlService;
import dev.courier.ingest.IngestService;
import dev.courier.metrics.CourierMetrics;
import dev.courier.model.HeaderCodec;
import dev.courier.model.NewMessage;
import dev.courier.model.PublishResult;
import dev.courier.queues.QueueService;
import dev.courier.redis.Keys;
import dev.courier.redis.ScriptRunner;
import dev.courier.schedules.Schedule;
import dev.courier.schedules.SchedulePublisher;
import dev.courier.security.NetworkPolicy;
import dev.courier.topics.TopicCache;
import dev.courier.topics.TopicService;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;

/**
 * A schedule's fire as a publish: the stored request is parsed again by {@link PublishRequest}, now, as if it had
 * just arrived (a delay counts from the fire), admitted to its queue or flow-control key, stored through the
 * {@link IngestService} and fanned out to a URL group's endpoints, exactly as {@code POST /v2/publish} does;
 * each message carries the schedule's id.
 */
public final class ScheduledPublisher implements SchedulePublisher {
  private final PublishRequest parser;
  private final IngestService ingest;
  private final QueueService queues;
  private final FlowControlService flows;
  private final TopicService topics;

  private ScheduledPublisher(PublishRequest parser, IngestService ingest, QueueService queues,
      FlowControlService flows, TopicService topics) {
    this.parser = parser;
    this.ingest = ingest;
    this.queues = queues;
    this.flows = flows;
    this.topics = topics;
  }

  /** @param wakeWheel the node's wheel: a fired message goes on it (no direct dispatch from the scheduler) */
  public static SchedulePublisher.Factory factory(AppConfig config, Keys keys, Runnable wakeWheel,
      TopicCache topicCache, CourierMetrics metrics) {
    return (context, scripts) -> create(config, keys, wakeWheel, topicCache, metrics, context, scripts);
  }

  private static SchedulePublisher create(AppConfig config, Keys keys, Runnable wakeWheel, TopicCache topicCache,
      CourierMetrics metrics, io.vertx.core.Context context, ScriptRunner scripts) {
    var limits = config.limits();
    var policy = new NetworkPolicy(config.security().denyPrivateNetworks(), config.security().deniedNetworks());
    return new ScheduledPublisher(new PublishRequest(limits, keys, policy),
        new IngestService(context, scripts, keys, limits.dedupWindowMs(), limits.maxBacklog(), wakeWheel, null, metrics),
        new QueueService(scripts, keys, config.queues().maxQueues()),
        new FlowControlService(scripts, keys, config.flowControl().maxKeys()),
        new TopicService(scripts, keys, topicCache, config.topics().maxTopics(), config.topics().maxEndpoints()));
  }

  @Override
  public Future<List<String>> fire(Schedule s, long fireTime) {
    ParsedPublish parsed;
    try {
      parsed = parser.parsePublish(s.destination(), s.query(), headers(s.headers()), s.body(), s.callerIp(),
          System.currentTimeMillis(), s.queueName());
    } catch (RuntimeException e) {
      return Future.failedFuture(e); // valid when stored; the limits may have changed since
    }
    Future<Void> admitted = parsed.queueName() != null ? queues.ensure(parsed.queueName())
        : parsed.flowControl() != null ? flows.ensure(parsed.flowControl().key()) : Future.succeededFuture();
    return admitted.compose(v -> {
      if (parsed.group() == null) {
        return ingest.publish(parsed.message().withScheduleId(s.id())).map(r -> List.of(r.messageId()));
      }
      return topics.resolve(parsed.group()).compose(g -> {
        if (g == null) {
          return Future.failedFuture(TopicsHandler.notFound(parsed.group()));
        }
        List<Future<PublishResult>> stored = new ArrayList<>();
        for (NewMessage m : parsed.toEndpoints(g.endpoints())) {
          stored.add(ingest.publish(m.withScheduleId(s.id())));
        }
        return Future.all(stored).map(x -> stored.stream().map(f -> f.result().messageId()).toList());
      });
    });
  }

  /** The stored request's headers, in the case-insensitive map a request has. */
  static MultiMap headers(String encoded) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    HeaderCodec.forEach(encoded, headers::add);
    return headers;
  }
}
