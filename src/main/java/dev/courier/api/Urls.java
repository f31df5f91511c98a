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
      return host(new URI(url));
    } catch (URISyntaxException e) {
      return null;
    }
  }
}
