package dev.courier.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a message's {@code Upstash-Redact-Fields} hides wherever a user can read the message (qstash-api.md §18):
 * its body, all its headers, or the named ones. A hidden value shows as {@code REDACTED:<sha256 hex of the
 * value>}, so equal secrets can still be told apart from different ones; the delivery, its retries and a DLQ
 * retry use the original.
 *
 * @param headers lower-case names of the headers hidden (when not {@code allHeaders})
 */
public record Redaction(boolean body, boolean allHeaders, Set<String> headers) {

  /**
   * Reads the header's value: {@code body}, {@code header} or {@code headers} (all), {@code header[Name]} or
   * {@code headers[Name]}, comma-separated, spaces allowed.
   *
   * @throws IllegalArgumentException naming the part that is none of these
   */
  public static Redaction parse(String value) {
    boolean body = false;
    boolean all = false;
    Set<String> names = new LinkedHashSet<>();
    for (String raw : value.split(",")) {
      String part = raw.trim();
      String lower = part.toLowerCase(Locale.ROOT);
      if (part.isEmpty()) {
        continue;
      }
      if (lower.equals("body")) {
        body = true;
      } else if (lower.equals("header") || lower.equals("headers")) {
        all = true;
      } else if ((lower.startsWith("header[") || lower.startsWith("headers[")) && part.endsWith("]")) {
        String name = part.substring(part.indexOf('[') + 1, part.length() - 1).trim();
        if (name.isEmpty() || !name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
          throw new IllegalArgumentException("'" + part + "' does not name a header");
        }
        names.add(name.toLowerCase(Locale.ROOT));
      } else {
        throw new IllegalArgumentException("'" + part + "' is not body, header or header[Name]");
      }
    }
    if (!body && !all && names.isEmpty()) {
      throw new IllegalArgumentException("no field named");
    }
    return new Redaction(body, all, names);
  }

  /** The stored form: the parts, comma-joined (what {@link #parse} reads back). */
  public String encode() {
    List<String> parts = new ArrayList<>();
    if (body) {
      parts.add("body");
    }
    if (allHeaders) {
      parts.add("header");
    }
    headers.forEach(h -> parts.add("header[" + h + "]"));
    return String.join(",", parts);
  }

  /** Whether a header of this name (any case) is hidden. */
  public boolean hides(String header) {
    return allHeaders || headers.contains(header.toLowerCase(Locale.ROOT));
  }

  /** The headers as a user may see them: the hidden values replaced. */
  public Map<String, List<String>> apply(Map<String, List<String>> in) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    in.forEach((name, values) -> out.put(name, hides(name) ? values.stream().map(Redaction::redacted).toList() : values));
    return out;
  }

  public static String redacted(String value) {
    return redacted(value.getBytes(StandardCharsets.UTF_8));
  }

  public static String redacted(byte[] value) {
    try {
      return "REDACTED:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
