package dev.courier.api;

import java.net.URI;
import java.net.URISyntaxException;

/** URL pieces, read leniently where {@link URI} is too strict for real destinations. */
public final class Urls {
  private static final java.util.regex.Pattern HOST_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._-]+");
  private Urls() {}

  /**
   * The host of an http(s) URL, or null. {@link URI#getHost()} is null for a host with an underscore
   * ({@code my_service}, a common Docker service name) which Go's url.Parse, and so QStash, accept;
   * the raw authority minus user info and port is used then.
   */
  public static String host(URI uri) {
    if (uri.getHost() != null) {
      return uri.getHost();
    }
    String authority = uri.getRawAuthority();
    if (authority == null) {
      return null;
    }
    String host = authority.substring(authority.lastIndexOf('@') + 1);
    if (!host.startsWith("[")) {
      int colon = host.lastIndexOf(':');
      if (colon >= 0) {
        host = host.substring(0, colon);
      }
    }
    return HOST_NAME.matcher(host).matches() ? host : null;
  }

  public static String host(String url) {
    try {
      return host(new URI(lenientForParsing(url)));
    } catch (URISyntaxException e) {
      return null;
    }
  }

  /**
   * Whether the authority's port, if it has one, is a TCP port (1-65535). An empty port means the
   * scheme's default, as in Go's url.Parse. A port out of range is otherwise accepted by {@link URI} (or
   * turns the authority into a "registry" one whose host {@link #host(URI)} still finds), and only fails
   * at delivery.
   */
  public static boolean validPort(URI uri) {
    String authority = uri.getRawAuthority();
    if (authority == null) {
      return true;
    }
    String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
    int colon = hostPort.startsWith("[") ? hostPort.indexOf("]:") + 1 : hostPort.lastIndexOf(':');
    if (colon <= 0) {
      return true;
    }
    String port = hostPort.substring(colon + 1);
    if (port.isEmpty()) {
      return true;
    }
    if (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return false;
    }
    int n = Integer.parseInt(port);
    return n >= 1 && n <= 65_535;
  }

  /** Whether every '%' of a raw path or query starts an escape of two hex digits (null is fine). */
  public static boolean wellEscaped(String raw) {
    if (raw == null) {
      return true;
    }
    for (int i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i + 1)) {
      if (i + 2 >= raw.length() || !hex(raw.charAt(i + 1)) || !hex(raw.charAt(i + 2))) {
        return false;
      }
    }
    return true;
  }

  /** ASCII only: Character.digit would also take other scripts' digits, which no decoder does. */
  private static boolean hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /** What java.net.URI refuses after the authority but Go's url.Parse (so QStash) and real URLs use. */
  private static final String LENIENT = "\"<>\\^`{|}[]";

  /**
   * The URL with the characters of {@link #LENIENT} percent-encoded after its authority, for checking
   * with {@link URI} only: the URL itself is kept as received. The SDK leaves them raw ({@code ?a=1|2},
   * {@code ?q={x}}, {@code /a[0]}), Go accepts them, and {@link URI} called them illegal.
   */
  public static String lenientForParsing(String url) {
    int scheme = url.indexOf("://");
    int from = scheme < 0 ? 0 : scheme + 3;
    int pathStart = from;
    while (pathStart < url.length() && "/?#".indexOf(url.charAt(pathStart)) < 0) {
      pathStart++;
    }
    StringBuilder out = null;
    for (int i = pathStart; i < url.length(); i++) {
      char c = url.charAt(i);
      if (LENIENT.indexOf(c) >= 0) {
        if (out == null) {
          out = new StringBuilder(url.length() + 16).append(url, 0, i);
        }
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? url : out.toString();
  }
}
