package dev.courier.eventlog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads one page of the log from the chunks (EventQuery): chunks newest first by last_time, oldest first by
 * first_time, their events sorted into the log's order (time, chunk, place in the chunk). An event is certain of its
 * place once no chunk not read yet can hold an earlier one (newest first: a later one): newest first, the chunks not
 * read end by the last chunk read ends, so its events later than that are certain; oldest first, they start no
 * earlier than the last one read starts, so its events earlier than that are. Chunks are read in growing reads
 * until the page and one more event are certain, or none is left, or {@link #MAX_SCANNED} chunks were read: then the
 * page holds the events certain so far (maybe none) and its cursor goes on from where the reading stopped, so that a
 * filter matching little costs each request a bounded read, as the DLQ's pages do. (Bounded by MAX_SCANNED, or by the chunks of one millisecond where
 * more share it: a page always gets past its cursor.)
 */
final class EventPager {
  /** The chunks the first read asks for: a chunk holds up to a hundred messages' runs. */
  private static final int FIRST_READ = 4;
  /** The most chunks one read asks for. */
  private static final int MAX_READ = 128;
  /** The most chunks one page reads. */
  static final int MAX_SCANNED = 512;

  private final EventFilter filter;
  private final int count;
  private final EventQuery.Key after;
  private final boolean newestFirst;
  private final Function<EventQuery.Sql, Future<RowSet<Row>>> run;
  private final Comparator<EventQuery.Keyed> order;
  private final List<EventQuery.Keyed> found = new ArrayList<>();
  /** Chunks read, by seq: a chunk of the last read's millisecond may come again. */
  private final Set<Long> seen = new HashSet<>();
  private final Set<String> ids;
  /** The run holding each message's fields, as far as this read found; the ids it looked up and did not find. */
  private final Map<String, JsonObject> fields = new HashMap<>();
  private final Set<String> unknown = new HashSet<>();
  private int scanned;

  EventPager(EventFilter filter, int count, EventQuery.Key after, boolean newestFirst,
      Function<EventQuery.Sql, Future<RowSet<Row>>> run) {
    this.filter = filter;
    this.count = count;
    this.after = after;
    this.newestFirst = newestFirst;
    this.run = run;
    this.ids = Set.copyOf(filter.messageIds());
    Comparator<EventQuery.Keyed> byKey = Comparator.comparing(EventQuery.Keyed::key);
    this.order = newestFirst ? byKey.reversed() : byKey;
  }

  Future<EventPage> page() {
    return read(null, FIRST_READ);
  }

  private record Chunk(long seq, JsonArray runs) {}

  private Future<EventPage> read(EventQuery.RunKey past, int limit) {
    return run.apply(EventQuery.chunks(filter, after, past, newestFirst, limit)).compose(rows -> {
      Row last = null;
      List<Chunk> chunks = new ArrayList<>();
      Set<String> missing = new LinkedHashSet<>();
      // Only this read's runs are kept (a page may read 512 chunks): a message's later run read again after this
      // looks its fields up again, which is rare (newest first, a message's fields come after its later runs).
      fields.clear();
      unknown.clear();
      for (Row row : rows) {
        last = row;
        long seq = row.getLong(0);
        if (seen.add(seq)) {
          JsonArray runs = EventQuery.runs(row);
          chunks.add(new Chunk(seq, runs));
          for (int i = 0; i < runs.size(); i++) {
            JsonObject r = runs.getJsonObject(i);
            if (Chunks.holdsFields(r)) {
              fields.putIfAbsent(r.getString("i"), r);
            }
          }
        }
      }
      scanned += rows.size();
      for (Chunk c : chunks) {
        for (int i = 0; i < c.runs().size(); i++) {
          String id = c.runs().getJsonObject(i).getString("i");
          if (wanted(id) && !fields.containsKey(id) && !unknown.contains(id)) {
            missing.add(id);
          }
        }
      }
      EventQuery.RunKey lastKey = last == null ? null : EventQuery.runKey(last, newestFirst);
      boolean exhausted = rows.size() < limit;
      return lookUp(new ArrayList<>(missing)).compose(v -> {
        chunks.forEach(this::consider);
        found.sort(order);
        int certain = exhausted ? found.size() : certain(lastKey.time());
        if (exhausted || certain > count) {
          return Future.succeededFuture(page(certain, null));
        }
        EventQuery.Key resume = scanned >= MAX_SCANNED ? resume(lastKey.time()) : null;
        if (resume != null) {
          return Future.succeededFuture(page(certain, resume));
        }
        return read(lastKey, Math.min(MAX_READ, scanned >= MAX_SCANNED ? limit : Math.min(limit * 2,
            MAX_SCANNED - scanned)));
      });
    });
  }

  private boolean wanted(String id) {
    return ids.isEmpty() || ids.contains(id);
  }

  /** Finds the runs holding these messages' fields (runs of their events in other chunks hold none). */
  private Future<Void> lookUp(List<String> missing) {
    return Chunks.runsOf(missing, run, r -> {
      if (Chunks.holdsFields(r)) {
        fields.putIfAbsent(r.getString("i"), r);
      }
    }).map(v -> {
      missing.stream().filter(id -> !fields.containsKey(id)).forEach(unknown::add);
      return null;
    });
  }

  private void consider(Chunk c) {
    int index = 0;
    for (int i = 0; i < c.runs().size(); i++) {
      JsonObject r = c.runs().getJsonObject(i);
      int first = index;
      index += r.getJsonArray("e").size();
      String id = r.getString("i");
      JsonObject f = fields.get(id);
      if (wanted(id) && EventQuery.matches(filter, f)) {
        EventQuery.entries(c.seq(), first, r, f, this::consider);
      }
    }
  }

  private void consider(EventQuery.Keyed e) {
    long t = e.key().time();
    if ((filter.fromDate() != null && t < filter.fromDate()) || (filter.toDate() != null && t > filter.toDate())
        || (!filter.states().isEmpty() && !filter.states().contains(e.state()))) {
      return;
    }
    if (after != null && (newestFirst ? e.key().compareTo(after) >= 0 : e.key().compareTo(after) <= 0)) {
      return;
    }
    found.add(e);
  }

  /**
   * How many of the sorted events found no chunk still unread can come before; time: the last chunk read's place in
   * the page's order (newest first its last_time, oldest first its first_time), which no unread chunk's events pass.
   */
  private int certain(long time) {
    int n = 0;
    for (EventQuery.Keyed e : found) {
      long t = e.key().time();
      if (newestFirst ? t <= time : t >= time) {
        break;
      }
      n++;
    }
    return n;
  }

  /**
   * Where a page cut short by {@link #MAX_SCANNED} goes on: past every event that was certain, at the first that
   * was not (newest first, those at {@code time} and before; oldest first, those from {@code time} on). Null when
   * that is not past the cursor this page started from: the chunks read all share their time (more than MAX_SCANNED
   * chunks in one millisecond) and the next page would read them again, so this one reads on.
   */
  private EventQuery.Key resume(long time) {
    EventQuery.Key resume = new EventQuery.Key(newestFirst ? time : time - 1, Long.MAX_VALUE, Integer.MAX_VALUE);
    return after == null || order.compare(new EventQuery.Keyed(resume, null, null),
        new EventQuery.Keyed(after, null, null)) > 0 ? resume : null;
  }

  /** @param resume where a page cut short goes on, null when it is not cut short */
  private EventPage page(int certain, EventQuery.Key resume) {
    int size = Math.min(count, certain);
    List<JsonObject> entries = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      entries.add(found.get(i).entry());
    }
    // Another page follows when an event beyond this one is found; it starts after this page's last event.
    String cursor = certain > count ? found.get(count - 1).key().toString()
        : resume != null ? resume.toString() : null;
    return new EventPage(entries, cursor);
  }
}
