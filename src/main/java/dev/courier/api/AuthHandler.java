package dev.courier.api;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Bearer-token auth on every {@code /v2} call; {@code ?qstash_token=} is accepted too (webhook mode,
 * qstash-api.md §1). The comparison is constant-time so the token cannot be guessed by timing.
 */
public final class AuthHandler implements Handler<RoutingContext> {
  static final ApiException MALFORMED_QUERY =
      ApiException.badRequest("malformed query string: a % must be followed by two hex digits");

  private final byte[] token;

  public AuthHandler(String token) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
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
    if (!MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
      return new ApiException(401, "invalid token");
    }
    return null;
  }
}
