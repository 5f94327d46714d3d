package io.recsysnightly.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * The warnings one logger (by class name, e.g. Spark's {@code WindowExec}) writes while a capture is
 * open: for asserting that Spark did not warn about a plan. Attached to the root logger, whose test
 * level is WARN (log4j2-test.properties).
 */
public final class LogCapture implements AutoCloseable {
  private final List<String> messages = Collections.synchronizedList(new ArrayList<>());
  private final AbstractAppender appender;

  private LogCapture(String simpleName) {
    this.appender = new AbstractAppender("capture-" + simpleName, null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        String logger = event.getLoggerName();
        if (logger != null && (logger.equals(simpleName) || logger.endsWith("." + simpleName))) {
          messages.add(event.getMessage().getFormattedMessage());
        }
      }
    };
    appender.start();
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    context.getConfiguration().getRootLogger().addAppender(appender, Level.WARN, null);
    context.updateLoggers();
  }

  /** Starts capturing the warnings of the logger whose name is or ends with {@code "." + simpleName}. */
  public static LogCapture warningsOf(String simpleName) {
    return new LogCapture(simpleName);
  }

  /** The messages captured so far, in order. */
  public List<String> messages() {
    synchronized (messages) {
      return List.copyOf(messages);
    }
  }

  @Override
  public void close() {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    context.getConfiguration().getRootLogger().removeAppender(appender.getName());
    context.updateLoggers();
    appender.stop();
  }
}
