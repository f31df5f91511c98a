package dev.courier.model;

import java.util.ArrayList;
import java.util.List;

/** How the values of a list filter are read (qstash-api.md §6): by the messages' bulk cancel and by the DLQ. */
public final class FilterValues {
  private FilterValues() {}

  /** Values may come repeated or comma-separated in one parameter (not for URLs, which may hold commas). */
  public static List<String> commaSplit(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String v : values) {
      for (String p : v.split(",")) {
        if (!p.isBlank()) {
          out.add(p.trim());
        }
      }
    }
    return out;
  }

  /**
   * A date filter in unix milliseconds, null when absent.
   *
   * @throws IllegalArgumentException naming the parameter when it is not a number
   */
  public static Long date(String v, String name) {
    if (v == null) {
      return null;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid " + name + ": expected unix milliseconds");
    }
  }
}
