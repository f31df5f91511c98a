package dev.courier.api;

import dev.courier.model.Callbacks;
import dev.courier.model.FlowControl;
import dev.courier.model.NewMessage;
import dev.courier.model.Redaction;
import dev.courier.redis.Keys;
import dev.courier.topics.UrlGroup.Endpoint;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A publish validated by {@link PublishRequest}, before it is addressed: to one URL ({@link #message()}),
 * or to each endpoint of a URL group ({@link #to}), which the caller looked up. Each addressed message
 * gets its own id and its own deduplication scope (the endpoint's URL: qstash-api.md §17).
 *
 * @param url the destination URL, null when the destination is a URL group
 * @param group the URL group's name, null when the destination is a URL
 * @param forwarded the forwarded headers, for content-based deduplication
 * @param dedupId the deduplication id, null when none
 * @param contentBased whether the content is the deduplication key
 */
public record ParsedPublish(
    Keys keys,
    String url,
    String group,
    String method,
    String headers,
    Map<String, List<String>> forwarded,
    Buffer body,
    int maxRetries,
    String retryDelayExpression,
    long timeoutMs,
    long createdAt,
    long notBefore,
    String callerIp,
    List<String> labels,
    String dedupId,
    boolean contentBased,
    String queueName,
    FlowControl flowControl,
    Callbacks callbacks,
    Redaction redaction) {

  /** The message to the URL destination. */
  public NewMessage message() {
    if (url == null) {
      throw new IllegalStateException("a URL group destination: address it with to()");
    }
    return to(url, null, null, anyShard(keys));
  }

  /** The messages of a URL group's endpoints: in one shard when nothing routes them (one store round trip). */
  public List<NewMessage> toEndpoints(List<Endpoint> endpoints) {
    int shard = anyShard(keys);
    return endpoints.stream().map(e -> to(e.url(), group, e.name(), shard)).toList();
  }

  /**
   * The message to one address. The routing key decides its shard: the queue, so that a queue is whole in
   * one shard; else the dedup scope, so that two publishes with one deduplication id meet in one shard's
   * store script; else {@code anyShard}.
   */
  private NewMessage to(String address, String topicName, String endpointName, int anyShard) {
    String dedupHash = dedupHash(address);
    String routing = queueName != null ? queueName : flowControl != null ? flowControl.key() : dedupHash;
    int shard = routing != null ? keys.shardOfRoutingKey(routing) : anyShard;
    return new NewMessage(Keys.messageId(shard), address, method, headers, body, maxRetries, retryDelayExpression,
        timeoutMs, createdAt, notBefore, callerIp, labels, dedupHash, queueName, topicName, endpointName, flowControl,
        callbacks, redaction);
  }

  private static int anyShard(Keys keys) {
    return keys.shards() == 1 ? 0 : ThreadLocalRandom.current().nextInt(keys.shards());
  }

  /** Scope: the destination plus the id, or plus the content (qstash-api.md §17). */
  private String dedupHash(String address) {
    if (dedupId == null && !contentBased) {
      return null;
    }
    MessageDigest sha = sha256();
    sha.update(address.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    if (dedupId != null) {
      sha.update("id:".getBytes(StandardCharsets.UTF_8));
      sha.update(dedupId.getBytes(StandardCharsets.UTF_8));
    } else {
      // Sorted, so that the hash does not depend on the order headers arrived in.
      for (var e : new TreeMap<>(forwarded).entrySet()) {
        sha.update((e.getKey() + ":" + String.join("\n", e.getValue()) + "\n").getBytes(StandardCharsets.UTF_8));
      }
      sha.update((byte) 0);
      sha.update(body.getBytes());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
