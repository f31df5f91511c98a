package dev.courier.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes a message's stored headers as {@code Name:value\n} lines. HTTP forbids CR and LF in names
 * and values, so the encoding needs no escaping, and decoding on the delivery hot path is a scan
 * instead of a JSON parse. Repeated names are repeated lines; values are kept whole (never split on
 * commas, qstash-api.md §5.3).
 */
public final class HeaderCodec {
  private HeaderCodec() {}

  public static String encode(Map<String, List<String>> headers) {
    StringBuilder sb = new StringBuilder();
    for (var e : headers.entrySet()) {
      for (String v : e.getValue()) {
        sb.append(e.getKey()).append(':').append(v).append('\n');
      }
    }
    return sb.toString();
  }

  /** Calls {@code sink} once per (name, value) in stored order. */
  public static void forEach(String encoded, java.util.function.BiConsumer<String, String> sink) {
    if (encoded == null) {
      return;
    }
    int start = 0;
    int len = encoded.length();
    while (start < len) {
      int end = encoded.indexOf('\n', start);
      if (end < 0) {
        end = len;
      }
      int colon = encoded.indexOf(':', start);
      if (colon > start && colon < end) {
        sink.accept(encoded.substring(start, colon), encoded.substring(colon + 1, end));
      }
      start = end + 1;
    }
  }

  public static Map<String, List<String>> decode(String encoded) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    forEach(encoded, (k, v) -> out.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    return out;
  }

  /** The {@code {"Name":["v1",…]}} shape of the API (Go http.Header style). */
  public static JsonObject toJson(String encoded) {
    JsonObject json = new JsonObject();
    forEach(encoded, (k, v) -> {
      JsonArray values = json.getJsonArray(k);
      if (values == null) {
        values = new JsonArray();
        json.put(k, values);
      }
      values.add(v);
    });
    return json;
  }
}
