package dev.courier.support;

import io.vertx.core.logging.SLF4JLogDelegateFactory;
import io.vertx.core.spi.logging.LogDelegate;
import io.vertx.core.spi.logging.LogDelegateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails tests when a Vert.x event loop was blocked (issue #21): Courier's whole design rests on its event loops
 * never waiting, and Vert.x only logs a warning when one does, which no test would notice.
 *
 * <p>How: Vert.x's {@code BlockedThreadChecker} reports through Vert.x's logging facade, and the facade takes
 * its backend from the system property {@code vertx.logger-delegate-factory-class-name} (set for every test JVM
 * by Surefire, see pom.xml). {@link LogFactory} is that backend: slf4j as before for every logger, and for the
 * checker's logger it also records each "has been blocked for" warning about an event-loop thread. The
 * {@link Extension} (auto-detected for every Jupiter test, junit-platform.properties) fails the test, or the
 * class, during which warnings were recorded. A child JVM's output is fed to {@link #scan} by whoever reads it
 * ({@link ChildNode}), so its blocks fail the test that owns it.
 *
 * <p>Thresholds are Vert.x's defaults: an event loop is reported once one task has held it 2 s, checked every
 * second. A loaded 2-core machine honours that; nothing lowers it. Worker threads (allowed 60 s) are not
 * guarded: blocking is what they are for.
 */
public final class BlockedThreadGuard {
  /** Logger name of Vert.x 5's checker ({@code BlockedThreadChecker.LOGGER_NAME}, an internal class). */
  static final String CHECKER_LOGGER = "io.vertx.core.impl.BlockedThreadChecker";
  public static final String PROPERTY = "vertx.logger-delegate-factory-class-name";
  private static final Pattern EVENT_LOOP_BLOCKED =
      Pattern.compile("Thread .*vert\\.x-eventloop-thread-\\d+.* has been blocked for \\d+ ms");

  private static final List<String> pending = new ArrayList<>();
  private static volatile boolean installed;

  private BlockedThreadGuard() {}

  /**
   * Records {@code line} when it is Vert.x's warning that an event loop was blocked.
   *
   * @param where whose output it is (shown in the failure)
   */
  public static void scan(String line, String where) {
    if (line != null && line.contains("has been blocked for") && EVENT_LOOP_BLOCKED.matcher(line).find()) {
      synchronized (pending) {
        pending.add(where + ": " + line.trim());
      }
    }
  }

  /** The warnings recorded since the last {@link #check} or {@link #take}, which forgets them. */
  public static List<String> take() {
    synchronized (pending) {
      List<String> out = new ArrayList<>(pending);
      pending.clear();
      return out;
    }
  }

  /** How many warnings wait for the next check. */
  public static int pending() {
    synchronized (pending) {
      return pending.size();
    }
  }

  /** Throws when an event loop was blocked since the last check; each warning is reported once. */
  public static void check() {
    List<String> blocks = take();
    if (!blocks.isEmpty()) {
      throw new AssertionError("a Vert.x event loop was blocked (the event loop must never wait; see"
          + " docs/reliability.md, The event-loop guard):\n  " + String.join("\n  ", blocks));
    }
  }

  /** Whether Vert.x's logging goes through {@link LogFactory} in this JVM (it does under Surefire). */
  public static boolean installed() {
    return installed;
  }

  /** Vert.x's logging backend for the tests: slf4j, plus a record of the blocked-thread warnings. */
  public static final class LogFactory implements LogDelegateFactory {
    private final SLF4JLogDelegateFactory slf4j = new SLF4JLogDelegateFactory();

    @Override
    public boolean isAvailable() {
      return slf4j.isAvailable();
    }

    @Override
    public LogDelegate createDelegate(String name) {
      installed = true;
      LogDelegate out = slf4j.createDelegate(name);
      return CHECKER_LOGGER.equals(name) ? new Recording(out) : out;
    }
  }

  /** Passes everything on; warnings are also scanned (the checker logs at WARN, with or without a trace). */
  private record Recording(LogDelegate out) implements LogDelegate {
    @Override
    public void warn(Object message) {
      scan(String.valueOf(message), "this JVM");
      out.warn(message);
    }

    @Override
    public void warn(Object message, Throwable t) {
      scan(String.valueOf(message), "this JVM");
      out.warn(message, t);
    }

    @Override
    public String implementation() {
      return out.implementation();
    }

    @Override
    public boolean isWarnEnabled() {
      return out.isWarnEnabled();
    }

    @Override
    public boolean isInfoEnabled() {
      return out.isInfoEnabled();
    }

    @Override
    public boolean isDebugEnabled() {
      return out.isDebugEnabled();
    }

    @Override
    public boolean isTraceEnabled() {
      return out.isTraceEnabled();
    }

    @Override
    public void error(Object message) {
      out.error(message);
    }

    @Override
    public void error(Object message, Throwable t) {
      out.error(message, t);
    }

    @Override
    public void info(Object message) {
      out.info(message);
    }

    @Override
    public void info(Object message, Throwable t) {
      out.info(message, t);
    }

    @Override
    public void debug(Object message) {
      out.debug(message);
    }

    @Override
    public void debug(Object message, Throwable t) {
      out.debug(message, t);
    }

    @Override
    public void trace(Object message) {
      out.trace(message);
    }

    @Override
    public void trace(Object message, Throwable t) {
      out.trace(message, t);
    }

    @Override
    public Object unwrap() {
      return out.unwrap();
    }
  }

  /**
   * Fails each Jupiter test during which an event loop was blocked, and the class when it happened in its
   * {@code @AfterAll} or between tests. (A block is reported up to 3 s after it began: one that starts in the
   * last moments of a test can surface in the next one; the message names the thread and its stack.)
   */
  public static final class Extension implements AfterEachCallback, AfterAllCallback {
    static {
      // Outside Surefire (an IDE run), set it here: in time when this extension is the first to touch Vert.x.
      if (System.getProperty(PROPERTY) == null) {
        System.setProperty(PROPERTY, LogFactory.class.getName());
      }
    }

    @Override
    public void afterEach(ExtensionContext context) {
      check();
    }

    @Override
    public void afterAll(ExtensionContext context) {
      check();
    }
  }
}
