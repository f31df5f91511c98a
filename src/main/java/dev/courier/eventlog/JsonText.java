package dev.courier.eventlog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * A JSON object written straight into text, for the rows the writer stores (ChunkWriter): the same text as Vert.x's
 * {@code JsonObject.encode()} (Jackson's escaping, members in the order put) without building a map per value and
 * a generator per row. It was 9 % of the node's CPU with the log on at the full rate (performance.md, session 15),
 * most of it a message's base64 body copied through Jackson char by char.
 */
final class JsonText {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private final StringBuilder out;
  private boolean first = true;

  private JsonText(StringBuilder out) {
    this.out = out;
    out.append('{');
  }

  /**
   * An object written at the end of {@code out}, closed by {@link #end()}: the writer writes a chunk's runs, their
   * events and messages, into the chunk's one buffer (each in a buffer of its own, then copied, copied every
   * message's body four more times).
   */
  static JsonText into(StringBuilder out) {
    return new JsonText(out);
  }

  /** A member with a string value; left out when the value is null. */
  JsonText put(String name, String value) {
    if (value != null) {
      name(name);
      string(out, value);
    }
    return this;
  }

  /**
   * A member whose string value holds no character JSON escapes, appended without looking at each: base64, or
   * {@code REDACTED:<hex>} in its place (a body is most of a row's text). Left out when null.
   */
  JsonText putPlain(String name, String value) {
    if (value != null) {
      name(name);
      out.append('"').append(value).append('"');
    }
    return this;
  }

  JsonText put(String name, long value) {
    name(name);
    out.append(value);
    return this;
  }

  /** A member with a number value; left out when the value is null. */
  JsonText put(String name, Number value) {
    if (value != null) {
      name(name);
      out.append(value);
    }
    return this;
  }

  /** A member whose value is a JSON object or array (any JSON value Vert.x holds); left out when null. */
  JsonText putJson(String name, Object value) {
    if (value != null) {
      name(name);
      value(out, value);
    }
    return this;
  }

  /**
   * A member whose value the caller appends to the returned builder next (one JSON value, before the next member
   * or {@link #end()}).
   */
  StringBuilder member(String name) {
    name(name);
    return out;
  }

  /** Closes an object begun with {@link #into}. */
  void end() {
    out.append('}');
  }

  private void name(String name) {
    if (!first) {
      out.append(',');
    }
    first = false;
    string(out, name);
    out.append(':');
  }

  private static void value(StringBuilder out, Object v) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof String s) {
      string(out, s);
    } else if (v instanceof JsonObject o) {
      members(out, o.getMap());
    } else if (v instanceof Map<?, ?> m) {
      members(out, m);
    } else if (v instanceof JsonArray a) {
      elements(out, a.getList());
    } else if (v instanceof List<?> l) {
      elements(out, l);
    } else if (v instanceof Number || v instanceof Boolean) {
      out.append(v);
    } else {
      throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }
  }

  private static void members(StringBuilder out, Map<?, ?> map) {
    out.append('{');
    boolean firstMember = true;
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!firstMember) {
        out.append(',');
      }
      firstMember = false;
      string(out, String.valueOf(e.getKey()));
      out.append(':');
      value(out, e.getValue());
    }
    out.append('}');
  }

  private static void elements(StringBuilder out, List<?> list) {
    out.append('[');
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      value(out, list.get(i));
    }
    out.append(']');
  }

  /** A JSON string as Jackson writes it: quote, backslash and control characters escaped, nothing else. */
  static void string(StringBuilder out, String s) {
    out.append('"');
    int from = 0;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      out.append(s, from, i);
      from = i + 1;
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    out.append(s, from, n).append('"');
  }
}
