package dev.courier.topics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The URL groups a node read lately, shared by its API event loops: a publish to a group reads it from
 * here, not from Redis, for {@link #TTL_MS}. An edit made on this node drops the entry at once; one made
 * on another node is seen here within the TTL (api-decisions.md): the promise is "within a second".
 * Absent groups are remembered too, so a stream of publishes to an unknown name costs Redis nothing.
 */
public final class TopicCache {
  static final long TTL_MS = 500;
  /** Beyond this many names the cache starts over: a bound, not an eviction policy (groups are few). */
  private static final int MAX_ENTRIES = 10_000;

  /** @param group null when there was no such group */
  record Entry(UrlGroup group, long readAt) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  public TopicCache() {
    this(System::currentTimeMillis);
  }

  TopicCache(LongSupplier clock) {
    this.clock = clock;
  }

  /** The entry if read less than {@link #TTL_MS} ago, else null. */
  Entry fresh(String name) {
    Entry e = entries.get(name);
    return e != null && clock.getAsLong() - e.readAt() < TTL_MS ? e : null;
  }

  /** @param readAt when the read that found {@code group} was sent: an edit after it is not hidden by it */
  void put(String name, UrlGroup group, long readAt) {
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    entries.put(name, new Entry(group, readAt));
  }

  void drop(String name) {
    entries.remove(name);
  }

  long now() {
    return clock.getAsLong();
  }
}
