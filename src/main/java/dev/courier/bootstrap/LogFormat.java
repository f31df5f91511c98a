package dev.courier.bootstrap;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.slf4j.LoggerFactory;

/**
 * The format of the node's log lines ({@code log.format}): {@code text}, as {@code logback.xml} sets it up, or
 * {@code json}, one object per line for a log shipper ({@code time}, {@code level}, {@code logger},
 * {@code thread}, {@code message}, and {@code exception} when there is one). Applied once, at start-up, before
 * the node logs anything of its own.
 */
public final class LogFormat {
  public static final String TEXT = "text";
  public static final String JSON = "json";

  private LogFormat() {}

  /** Switches the console appender to {@code format}; {@code text} leaves logback.xml's as it is. */
  public static void apply(String format) {
    if (!JSON.equals(format) || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.iteratorForAppenders().forEachRemaining(appender -> {
      if (appender instanceof ConsoleAppender<ILoggingEvent> console) {
        JsonLayout layout = new JsonLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.setLayout(layout);
        encoder.start();
        console.stop();
        console.setEncoder(encoder);
        console.start();
      }
    });
  }

  /** One JSON object per event; the JSON encoder escapes what a message holds (quotes, newlines, control bytes). */
  static final class JsonLayout extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent event) {
      JsonObject line = new JsonObject()
          .put("time", Instant.ofEpochMilli(event.getTimeStamp()).toString())
          .put("level", event.getLevel().toString())
          .put("logger", event.getLoggerName())
          .put("thread", event.getThreadName())
          .put("message", event.getFormattedMessage());
      IThrowableProxy thrown = event.getThrowableProxy();
      if (thrown != null) {
        line.put("exception", ThrowableProxyUtil.asString(thrown));
      }
      return line.encode() + System.lineSeparator();
    }
  }
}
