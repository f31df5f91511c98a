package dev.courier.eventlog;

import static dev.courier.eventlog.LogFixtures.await;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the store's tests share: a store on a new database of the kind the subclass names, and ways to read it. */
@ExtendWith(VertxExtension.class)
abstract class StoreTest {
  protected Vertx vertx;
  protected EventStoreConfig config;
  protected EventStore store;

  abstract TestDatabase database();

  @BeforeEach
  void openStore(Vertx vertx) {
    this.vertx = vertx;
    config = database().create();
    store = await(EventStore.open(vertx, config));
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      await(store.close());
    }
  }

  static EventFilter filter(String... nameValues) {
    MultiMap p = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < nameValues.length; i += 2) {
      p.add(nameValues[i], nameValues[i + 1]);
    }
    return EventFilter.from(p);
  }

  void insert(EventBatch batch) {
    await(store.insert(batch));
  }

  /** Every entry that matches, newest first, read page by page. */
  List<JsonObject> all(EventFilter filter) {
    List<JsonObject> out = new ArrayList<>();
    String cursor = null;
    do {
      EventPage page = await(store.query(filter, 7, cursor, true));
      out.addAll(page.entries());
      cursor = page.cursor();
    } while (cursor != null);
    return out;
  }

  /** "messageId:STATE" of every entry that matches, newest first. */
  List<String> seen(String... nameValues) {
    return all(filter(nameValues)).stream().map(e -> e.getString("messageId") + ":" + e.getString("state")).toList();
  }
}
