package io.recsysnightly.config;

import io.recsysnightly.RecsysException;
import java.util.function.Function;

/**
 * One configuration key, declared once: its name, default, how a text value is parsed and checked,
 * what values are allowed (for error messages and docs/configuration.md) and a one-line doc.
 */
public final class ConfigKey<T> {
  private final String name;
  private final String defaultText;
  private final String allowed;
  private final String doc;
  private final Function<String, T> parser;

  ConfigKey(String name, String defaultText, String allowed, String doc, Function<String, T> parser) {
    this.name = name;
    this.defaultText = defaultText;
    this.allowed = allowed;
    this.doc = doc;
    this.parser = parser;
  }

  public String name() {
    return name;
  }

  /** The default as written in a properties file ("" when the key is unset by default). */
  public String defaultText() {
    return defaultText;
  }

  public String allowed() {
    return allowed;
  }

  public String doc() {
    return doc;
  }

  /** Parses and validates a text value; the error names the key, the value and what is allowed. */
  public T parse(String text) {
    try {
      return parser.apply(text.trim());
    } catch (RuntimeException e) {
      throw RecsysException.config(
          "Bad value for %s: '%s'. Allowed: %s.%s", name, text, allowed,
          e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
    }
  }
}
