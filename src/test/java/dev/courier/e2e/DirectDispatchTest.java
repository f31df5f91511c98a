package dev.courier.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.support.Sink;
import dev.courier.support.Sink.Reply;
import dev.courier.support.TestNode;
import dev.courier.support.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Immediate messages skip the wheel (delivery.direct): stored already leased to the accepting node and
 * handed to its dispatchers. The lease must be in Redis while the attempt is in flight (so a dying node
 * loses nothing, see {@link CrashRecoveryTest}), and the node's delivery credit must hold for both ways in.
 */
class DirectDispatchTest {
  private static Vertx vertx;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    TestNode.get(vertx.close());
  }

  @Test
  void anImmediateMessageIsLeasedInRedisWhileInFlightAndGoneOnceDelivered() throws Exception {
    try (TestNode node = TestNode.start(vertx); Sink sink = Sink.start(vertx)) {
      sink.respond(r -> new Reply(200, Map.of(), "ok", 1_500));
      String id = node.publish(sink.url("/slow"), Map.of(), "x".getBytes()).getString("messageId");
      sink.await(1, 10_000);

      Response leases = redis(Request.cmd(Command.ZRANGE).arg(node.prefix() + ":{s0}:lease").arg(0).arg(-1));
      assertEquals(1, leases.size(), "in flight: the lease set holds the message");
      String member = leases.get(0).toString();
      assertTrue(member.startsWith(id + "|"), "with the token that fences the outcome: " + member);
      Response deadline = redis(Request.cmd(Command.ZSCORE).arg(node.prefix() + ":{s0}:lease").arg(member));
      assertTrue(deadline.toLong() > System.currentTimeMillis(), "and a deadline in the future");
      assertNull(redis(Request.cmd(Command.ZSCORE).arg(node.prefix() + ":{s0}:due").arg(id)), "not on the wheel");
      assertNotNull(redis(Request.cmd(Command.HGET).arg(node.prefix() + ":{s0}:msgs").arg(id)), "stored");

      Sink.waitFor(() -> node.storedKeys() == 0, 10_000, "the delivered message was not removed");
      assertEquals(1, sink.received().size());
    }
  }

  @Test
  void creditBoundsInFlightAttemptsWhetherDirectOrClaimed() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    try (TestNode node = TestNode.start(vertx, Map.of("COURIER_DELIVERY_MAX_IN_FLIGHT", "2"));
        Sink sink = Sink.start(vertx)) {
      sink.respond(r -> {
        most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        vertx.setTimer(190, t -> inFlight.decrementAndGet());
        return new Reply(200, Map.of(), "ok", 200);
      });
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < 8; i++) {
        ids.add(node.publish(sink.url("/m" + i), Map.of(), ("m" + i).getBytes()).getString("messageId"));
      }
      sink.await(8, 20_000);
      Set<String> delivered = new HashSet<>();
      sink.received().forEach(r -> delivered.add(r.header("Upstash-Message-Id")));
      assertEquals(ids, delivered, "every message delivered, once");
      assertEquals(8, sink.received().size());
      assertTrue(most.get() <= 2, "at most max-in-flight attempts at once, saw " + most.get());
      Sink.waitFor(() -> node.storedKeys() == 0, 10_000, "delivered messages were not removed");
    }
  }

  @Test
  void withDirectOffImmediateMessagesGoThroughTheWheel() throws Exception {
    try (TestNode node = TestNode.start(vertx, Map.of("COURIER_DELIVERY_DIRECT", "false"));
        Sink sink = Sink.start(vertx)) {
      for (int i = 0; i < 5; i++) {
        node.publish(sink.url("/w" + i), Map.of(), "w".getBytes());
      }
      sink.await(5, 10_000);
      Sink.waitFor(() -> node.storedKeys() == 0, 10_000, "delivered messages were not removed");
      assertEquals(5, sink.received().size());
    }
  }

  private static Response redis(Request req) {
    Redis client = Redis.createClient(vertx, TestRedis.url());
    try {
      return TestNode.get(client.send(req));
    } finally {
      client.close();
    }
  }
}
