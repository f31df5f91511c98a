package dev.courier.api;

import io.vertx.core.MultiMap;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Configuration comes from {@code Upstash-*} headers or, in webhook mode, from {@code upstash-*}
 * query parameters; a header wins. Query parameters that are neither configuration nor the token
 * belong to the destination URL.
 */
final class PublishOptions {
  private final MultiMap headers;
  final Map<String, String> queryOptions = new LinkedHashMap<>();

  PublishOptions(MultiMap headers) {
    this.headers = headers;
  }

  /** Splits the raw query; returns the part that stays on the destination, encoded as received. */
  String query(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return null;
    }
    List<String> kept = new ArrayList<>();
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
      if (key.equals("qstash_token")) {
        continue;
      }
      if (key.startsWith("upstash-")) {
        queryOptions.putIfAbsent(key, eq < 0 ? "" : decode(pair.substring(eq + 1)));
      } else if (!pair.isEmpty()) {
        kept.add(pair);
      }
    }
    return String.join("&", kept);
  }

  String get(String name) {
    String v = headers.get(name);
    return v != null ? v : queryOptions.get(name);
  }

  /** Every option name given, as a header (any case) or a query parameter (lower case). */
  List<String> names() {
    List<String> names = new ArrayList<>(headers.names());
    names.addAll(queryOptions.keySet());
    return names;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
