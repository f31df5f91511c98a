package dev.courier.api;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Bearer-token auth on every {@code /v2} call; {@code ?qstash_token=} is accepted too (webhook mode,
 * qstash-api.md §1). Any configured token is accepted ({@code auth.token}, {@code auth.tokens}: rotation
 * without downtime). The comparison leaks nothing by its timing: the SHA-256 digests of the given and each
 * configured token are compared with {@link MessageDigest#isEqual} (constant-time for equal lengths, and digests
 * are all 32 bytes, so neither a token's content nor its length shows), and every configured token is compared,
 * whichever matches, so the time does not say which one did.
 *
 * <p>One instance per API verticle, i.e. per event loop: the digest it keeps is used from one thread only.
 */
public final class AuthHandler implements Handler<RoutingContext> {
  static final ApiException MALFORMED_QUERY =
      ApiException.badRequest("malformed query string: a % must be followed by two hex digits");

  private final byte[][] accepted;
  private final MessageDigest sha256;

  /** @param tokens every token accepted; at least one */
  public AuthHandler(java.util.List<String> tokens) {
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("no API token");
    }
    sha256 = sha256();
    accepted = tokens.stream().map(t -> sha256.digest(t.getBytes(StandardCharsets.UTF_8))).toArray(byte[][]::new);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public void handle(RoutingContext ctx) {
    ApiException denied = check(ctx.request());
    if (denied != null) {
      ctx.fail(denied);
    } else {
      ctx.next();
    }
  }

  /** Null when the request carries the token; else the 401 to answer. */
  ApiException check(HttpServerRequest request) {
    String given;
    String header = request.getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      given = header.substring(7).trim();
    } else {
      try {
        given = request.getParam("qstash_token");
      } catch (IllegalArgumentException e) {
        // Vert.x decodes the whole query at once, and a stray % anywhere in it throws. Answered here: thrown
        // from the publish front door it would leave the request unanswered and log the URI, which may
        // hold the destination's credentials.
        return MALFORMED_QUERY;
      }
    }
    if (given == null) {
      return new ApiException(401, "missing token: send Authorization: Bearer <QSTASH_TOKEN>");
    }
    return accepts(given) ? null : new ApiException(401, "invalid token");
  }

  /** Compares with every configured token, without an early exit (see the class comment). */
  boolean accepts(String given) {
    byte[] digest = sha256.digest(given.getBytes(StandardCharsets.UTF_8));
    boolean match = false;
    for (byte[] token : accepted) {
      match |= MessageDigest.isEqual(token, digest);
    }
    return match;
  }
}
