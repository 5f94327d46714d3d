package io.recsysnightly.jobs;

import io.recsysnightly.RecsysException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Typed reads of command-specific options; a bad value is a usage error (exit 2) naming the option. */
final class OptionValues {
  private final Options options;

  OptionValues(Options options) {
    this.options = options;
  }

  Optional<String> string(String name) {
    return options.extra(name);
  }

  Optional<Integer> integer(String name, long min, long max) {
    return options.extra(name).map(v -> (int) parseLong(name, v, min, Math.min(max, Integer.MAX_VALUE)));
  }

  Optional<Long> longValue(String name, long min, long max) {
    return options.extra(name).map(v -> parseLong(name, v, min, max));
  }

  Optional<Double> number(String name, double min, double max) {
    return options.extra(name).map(v -> {
      try {
        double d = Double.parseDouble(v.trim());
        if (!(d >= min && d <= max)) {
          throw bad(name, v, "a number from " + min + " to " + max);
        }
        return d;
      } catch (NumberFormatException e) {
        throw bad(name, v, "a number from " + min + " to " + max);
      }
    });
  }

  Optional<LocalDate> date(String name) {
    return options.extra(name).map(v -> {
      try {
        return LocalDate.parse(v.trim());
      } catch (DateTimeParseException e) {
        throw bad(name, v, "a date YYYY-MM-DD");
      }
    });
  }

  /** An instant: {@code 2024-03-02T12:00:00Z}, or a local date-time or date read as UTC. */
  Optional<Instant> instant(String name) {
    return options.extra(name).map(v -> {
      String t = v.trim();
      try {
        return Instant.parse(t);
      } catch (DateTimeParseException e) {
        try {
          return LocalDateTime.parse(t.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e2) {
          try {
            return LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC);
          } catch (DateTimeParseException e3) {
            throw bad(name, v, "a UTC time such as 2024-03-02T12:00:00Z, 2024-03-02 12:00 or 2024-03-02");
          }
        }
      }
    });
  }

  boolean flag(String name) {
    return options.extras().containsKey(name);
  }

  /** Integers may be written with underscores or a k/m suffix: 50_000, 50k, 1.5m. */
  private static long parseLong(String name, String value, long min, long max) {
    String v = value.trim().replace("_", "").toLowerCase(java.util.Locale.ROOT);
    long multiplier = 1;
    if (v.endsWith("k")) {
      multiplier = 1_000;
      v = v.substring(0, v.length() - 1);
    } else if (v.endsWith("m")) {
      multiplier = 1_000_000;
      v = v.substring(0, v.length() - 1);
    }
    long parsed;
    try {
      double d = Double.parseDouble(v) * multiplier;
      if (d != Math.rint(d) || Double.isInfinite(d)) {
        throw bad(name, value, "an integer from " + min + " to " + max);
      }
      parsed = (long) d;
    } catch (NumberFormatException e) {
      throw bad(name, value, "an integer from " + min + " to " + max);
    }
    if (parsed < min || parsed > max) {
      throw bad(name, value, "an integer from " + min + " to " + max);
    }
    return parsed;
  }

  private static RecsysException bad(String name, String value, String allowed) {
    return RecsysException.config("Option --%s expects %s but was given '%s'", name, allowed, value);
  }
}
