package dev.courier.dispatch;

import dev.courier.config.AppConfig;
import dev.courier.metrics.CourierMetrics;
import dev.courier.redis.Keys;
import dev.courier.redis.RedisConnector;
import dev.courier.redis.ScriptRunner;
import dev.courier.security.NetworkPolicy;
import dev.courier.signing.SigningKeyStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires one dispatcher: its own HTTP client and Redis connection on its event loop. */
public final class DispatchVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DispatchVerticle.class);

  private final AppConfig config;
  private final Keys keys;
  private final SigningKeyStore signingKeys;
  private final DispatchCredit credit;
  private final Handoff handoff;
  private final IntConsumer wakeClaims;
  private final DirectDispatch direct;
  private final CourierMetrics metrics;
  private RedisConnector redis;
  private HttpClient client;
  private MessageConsumer<DeliveryBatch> consumer;
  private Dispatcher dispatcher;
  /** Deliveries handed to this dispatcher whose outcome is not recorded yet (waiting for their due time too). */
  private int held;

  /**
   * @param wakeClaims wakes the node's wheel: an outcome gave a gate's permit back and it has ready work
   * @param direct null when callbacks, like immediate messages, go through the wheel
   */
  public DispatchVerticle(AppConfig config, Keys keys, SigningKeyStore signingKeys, DispatchCredit credit,
      Handoff handoff, IntConsumer wakeClaims, DirectDispatch direct, CourierMetrics metrics) {
    this.wakeClaims = wakeClaims;
    this.direct = direct;
    this.metrics = metrics;
    this.config = config;
    this.keys = keys;
    this.signingKeys = signingKeys;
    this.credit = credit;
    this.handoff = handoff;
  }

  @Override
  public Future<?> start() {
    var delivery = config.delivery();
    redis = new RedisConnector(vertx, config.redis().url());
    client = vertx.httpClientBuilder()
        .with(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setConnectTimeout(10_000)
            .setMaxInitialLineLength(65_536).setMaxHeaderSize(65_536))
        .with(new PoolOptions().setHttp1MaxSize(delivery.poolSizePerHost()))
        // A destination's protocol errors end its attempt (the attempt records them); without a handler
        // Vert.x also logs each one at ERROR, so one broken destination could flood the log.
        .withConnectHandler(connection -> connection.exceptionHandler(e -> {}))
        .build();
    var outcomes = new OutcomeWriter(context, new ScriptRunner(redis, metrics), keys, config.dlq().retentionMs(),
        wakeClaims, direct, delivery.ackLingerMs(), delivery.callbackAckLingerMs(), metrics);
    dispatcher = new Dispatcher(vertx, client, signingKeys, outcomes, delivery.maxResponseBody(),
        new NetworkPolicy(config.security().denyPrivateNetworks(), config.security().deniedNetworks()), metrics,
        delivery.hostLimitPerDispatcher(), delivery.hostWaitMs());
    Consumer<Delivery> send = d -> {
      Future<Boolean> done;
      try {
        done = dispatcher.deliver(d);
      } catch (RuntimeException e) {
        // A bug, not an outcome: it must neither stop the rest of the batch nor keep the credit (the lease
        // expires and the reaper hands the message back). Logged by class only, since a message could
        // quote what the publisher sent.
        LOG.error("delivery of {} failed before its attempt: {}", d.id(), e.getClass().getName());
        credit.release(1);
        held--;
        return;
      }
      done.onComplete(ar -> {
        if (ar.failed()) {
          // The lease will expire and the reaper hands the message to a node again: nothing is lost.
          LOG.warn("could not record the outcome of {}: {}", d.id(), ar.cause().getMessage());
        }
        credit.release(1);
        held--;
      });
    };
    // The wheel claims what falls due before its next tick: such deliveries wait here until their due
    // time, one timer per distinct due time (a claimed batch comes earliest first).
    Consumer<List<Delivery>> deliver = batch -> {
      held += batch.size();
      long now = System.currentTimeMillis();
      for (int i = 0, j; i < batch.size(); i = j) {
        long dueAt = batch.get(i).dueAt();
        j = i + 1;
        while (j < batch.size() && batch.get(j).dueAt() == dueAt) {
          j++;
        }
        List<Delivery> group = batch.subList(i, j);
        if (dueAt > now) {
          vertx.setTimer(dueAt - now, t -> group.forEach(send));
        } else {
          group.forEach(send);
        }
      }
    };
    handoff.register(context, deliver);
    consumer = vertx.eventBus().localConsumer(handoff.address(), msg -> deliver.accept(msg.body().deliveries()));
    return consumer.completion();
  }

  /**
   * Takes no more work, lets the attempts it holds finish and their outcomes reach Redis (for at most
   * {@code delivery.stop-grace}), then closes. Closing at once failed them all: each was counted as a failed
   * attempt, or its outcome was lost and its lease expired, and a message already delivered went out again.
   */
  @Override
  public Future<?> stop() {
    handoff.unregister(context);
    // Attempts that never started (their host held its share) go back to the wheel now, not after the grace.
    dispatcher.deferWaiting();
    Promise<Void> drained = Promise.promise();
    long deadline = System.currentTimeMillis() + config.delivery().stopGraceMs();
    consumer.unregister().onComplete(v -> awaitDrained(drained, deadline));
    return drained.future().eventually(() -> Future.join(client.close(), redis.close()));
  }

  private void awaitDrained(Promise<Void> drained, long deadline) {
    if (held == 0 || System.currentTimeMillis() >= deadline) {
      if (held > 0) {
        LOG.warn("stopping with {} attempts still in flight: their leases expire and they are retried", held);
      }
      drained.complete();
    } else {
      vertx.setTimer(20, t -> awaitDrained(drained, deadline));
    }
  }
}
