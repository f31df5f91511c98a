package dev.courier.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts under {@code src/main/resources/lua/}, named {@code verbNoun-<numKeys>.lua}. Each
 * is read once from the classpath; its SHA-1 is computed locally so EVALSHA needs no prior round trip.
 */
public enum LuaScript {
  STORE_MESSAGES("storeMessages-2.lua"),
  CLAIM_DUE("claimDue-4.lua"),
  ACK_DELIVERED("ackDelivered-3.lua"),
  SCHEDULE_RETRY("scheduleRetry-4.lua"),
  MOVE_TO_DLQ("moveToDlq-5.lua"),
  REAP_LEASES("reapLeases-4.lua"),
  CANCEL_MESSAGE("cancelMessage-3.lua"),
  DELETE_DEAD_LETTER("deleteDeadLetter-2.lua"),
  SEED_KEYS("seedKeys-1.lua"),
  ROTATE_KEYS("rotateKeys-1.lua");

  private final String file;
  private final int numKeys;
  private final String source;
  private final String sha;

  LuaScript(String file) {
    this.file = file;
    this.numKeys = Integer.parseInt(file.substring(file.lastIndexOf('-') + 1, file.length() - ".lua".length()));
    try (InputStream in = LuaScript.class.getClassLoader().getResourceAsStream("lua/" + file)) {
      if (in == null) {
        throw new IllegalStateException("missing Lua script lua/" + file);
      }
      this.source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String file() {
    return file;
  }

  public int numKeys() {
    return numKeys;
  }

  public String source() {
    return source;
  }

  public String sha() {
    return sha;
  }
}
