package dev.courier.eventlog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads one page of the log from the runs (EventQuery): runs in the page's order of last_time, their events sorted
 * into the log's order (time, run, place in the run). An event is certain of its place once no run not read yet can
 * hold an earlier one (newest first: a later one): newest first, the runs not read end by the last run read ends,
 * so its events later than that are certain; oldest first, those runs start at most {@link RunWriter#MAX_SPAN_MS}
 * before it ends. Runs are read in growing chunks until the page and one more event are certain, or none is left.
 */
final class EventPager {
  /** The most runs one read asks for. */
  private static final int MAX_CHUNK = 5_000;

  private final EventFilter filter;
  private final int count;
  private final EventQuery.Key after;
  private final boolean newestFirst;
  private final Function<EventQuery.Sql, Future<RowSet<Row>>> run;
  private final Comparator<EventQuery.Keyed> order;
  private final List<EventQuery.Keyed> found = new ArrayList<>();
  /** Runs read, by seq: a run that two known runs of its message joined comes twice (a rare race of writers). */
  private final Set<Long> seen = new HashSet<>();

  EventPager(EventFilter filter, int count, EventQuery.Key after, boolean newestFirst,
      Function<EventQuery.Sql, Future<RowSet<Row>>> run) {
    this.filter = filter;
    this.count = count;
    this.after = after;
    this.newestFirst = newestFirst;
    this.run = run;
    Comparator<EventQuery.Keyed> byKey = Comparator.comparing(EventQuery.Keyed::key);
    this.order = newestFirst ? byKey.reversed() : byKey;
  }

  Future<EventPage> page() {
    return read(null, count + 1);
  }

  private Future<EventPage> read(EventQuery.RunKey past, int limit) {
    return run.apply(EventQuery.runs(filter, after, past, newestFirst, limit)).compose(rows -> {
      Row last = null;
      for (Row row : rows) {
        last = row;
        if (seen.add(EventQuery.seq(row))) {
          EventQuery.entries(row, this::consider);
        }
      }
      found.sort(order);
      boolean exhausted = rows.size() < limit;
      int certain = exhausted ? found.size() : certain(EventQuery.runKey(last).lastTime());
      if (exhausted || certain > count) {
        return Future.succeededFuture(page(certain));
      }
      return read(EventQuery.runKey(last), Math.min(MAX_CHUNK, limit * 2));
    });
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

  /** How many of the sorted events found no run still unread can come before; lastTime: the last run read's. */
  private int certain(long lastTime) {
    int n = 0;
    for (EventQuery.Keyed e : found) {
      long t = e.key().time();
      if (newestFirst ? t <= lastTime : t >= lastTime - RunWriter.MAX_SPAN_MS) {
        break;
      }
      n++;
    }
    return n;
  }

  private EventPage page(int certain) {
    int size = Math.min(count, certain);
    List<JsonObject> entries = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      entries.add(found.get(i).entry());
    }
    // Another page follows when an event beyond this one is found; it starts after this page's last event.
    String cursor = certain > count ? found.get(count - 1).key().toString() : null;
    return new EventPage(entries, cursor);
  }
}
