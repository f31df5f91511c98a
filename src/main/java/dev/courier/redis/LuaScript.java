package dev.courier.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Lua scripts under {@code src/main/resources/lua/}, named {@code verbNoun-<numKeys>.lua}. Each
 * is read once from the classpath; its SHA-1 is computed locally so EVALSHA needs no prior round trip.
 *
 * <p>Functions shared by several scripts live once, in {@code lua/includes/<name>.lua}: a line
 * {@code -- @include <name>} is replaced by that file when the script is read (BullMQ's includes are the
 * model). Redis runs each script in a scope of its own, so the shared functions stay {@code local}.
 */
public enum LuaScript {
  STORE_MESSAGES("storeMessages-6.lua", true),
  CLAIM_DUE("claimDue-6.lua", true),
  ACK_DELIVERED("ackDelivered-6.lua", true),
  SCHEDULE_RETRY("scheduleRetry-6.lua", true),
  DEFER_ATTEMPT("deferAttempt-6.lua"),
  MOVE_TO_DLQ("moveToDlq-8.lua", true),
  REAP_LEASES("reapLeases-6.lua", true),
  CANCEL_MESSAGE("cancelMessage-5.lua", true),
  CONFIGURE_GATE("configureGate-2.lua"),
  DELETE_GATE("deleteGate-5.lua", true),
  CHANGE_FLOW_CONTROL("changeFlowControl-1.lua"),
  EXPIRE_FLOW_CONTROL("expireFlowControl-3.lua"),
  DELETE_DEAD_LETTER("deleteDeadLetter-2.lua"),
  TRIM_DEAD_LETTERS("trimDeadLetters-1.lua"),
  RETRY_DEAD_LETTER("retryDeadLetter-7.lua", true),
  PUT_TOPIC("putTopic-2.lua"),
  PUT_SCHEDULE("putSchedule-3.lua"),
  REMOVE_SCHEDULE("removeSchedule-3.lua"),
  SET_SCHEDULE_PAUSED("setSchedulePaused-2.lua"),
  CLAIM_SCHEDULE("claimSchedule-2.lua"),
  RECORD_FIRE("recordFire-1.lua"),
  COUNT_PERMITS("countPermits-2.lua"),
  SEED_KEYS("seedKeys-1.lua"),
  ROTATE_KEYS("rotateKeys-1.lua");

  private final String file;
  private final int numKeys;
  private final boolean logged;
  private final String source;
  private final String sha;

  /** The file's name without the key count: the {@code script} label of its duration metric. */
  public String label() {
    return file.substring(0, file.lastIndexOf('-'));
  }

  LuaScript(String file) {
    this(file, false);
  }

  /** @param logged it changes messages' states and takes the event log's outbox as an extra last key */
  LuaScript(String file, boolean logged) {
    this.file = file;
    this.logged = logged;
    this.numKeys = Integer.parseInt(file.substring(file.lastIndexOf('-') + 1, file.length() - ".lua".length()));
    try (InputStream in = LuaScript.class.getClassLoader().getResourceAsStream("lua/" + file)) {
      if (in == null) {
        throw new IllegalStateException("missing Lua script lua/" + file);
      }
      this.source = expandIncludes(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String expandIncludes(String source) throws IOException {
    // Compiled here: an enum's static fields are not yet set while its constants are constructed.
    Matcher m = Pattern.compile("(?m)^-- @include ([A-Za-z0-9_-]+)$").matcher(source);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String include = "lua/includes/" + m.group(1) + ".lua";
      try (InputStream in = LuaScript.class.getClassLoader().getResourceAsStream(include)) {
        if (in == null) {
          throw new IllegalStateException("missing Lua include " + include);
        }
        m.appendReplacement(out, Matcher.quoteReplacement(new String(in.readAllBytes(),
            StandardCharsets.UTF_8)));
      }
    }
    m.appendTail(out);
    return out.toString();
  }

  public String file() {
    return file;
  }

  /** The keys it always takes; one more, the outbox, while the event log is on when it is {@link #logged}. */
  public int numKeys() {
    return numKeys;
  }

  /** It records the state changes it makes in the outbox given as its last key (lua/includes/events.lua). */
  public boolean logged() {
    return logged;
  }

  public String source() {
    return source;
  }

  public String sha() {
    return sha;
  }
}
