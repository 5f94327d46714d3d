package io.recsysnightly.generate;

import io.recsysnightly.RecsysException;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The scale and shape of a synthetic data set: how many users, items, events and categories, the
 * exponent of the power law of item popularity, the share of events drawn from a user's favourite
 * categories (the planted taste), the time window and the seed. Everything generated is a function
 * of this record alone.
 *
 * @param users users with at least one event
 * @param items catalogue size
 * @param events target number of events (the result is within a fraction of a percent of it)
 * @param categories item categories, which are also the planted taste dimensions
 * @param exponent s of the power law: the item of popularity rank r gets a share proportional to r^-s
 * @param tasteShare share of a user's events drawn from their favourite categories; the rest follow
 *     global popularity
 * @param days length of the time window, ending at the end of {@code endDate} (UTC)
 * @param endDate last day of the window; the run date the generated data is meant for
 * @param seed seed of every random choice
 * @param driftFrom first day on which a share of the users follow new favourite categories (null: no drift),
 *     for scenarios where tastes change on a known day
 * @param driftShare share of users whose tastes change on {@code driftFrom}
 */
public record GenerateSpec(int users, int items, long events, int categories, double exponent, double tasteShare,
    int days, LocalDate endDate, long seed, LocalDate driftFrom, double driftShare) implements Serializable {

  /** The named scales of the issue: about 10^6, 10^7 and 5 x 10^7 events. */
  public enum Preset {
    SMALL(20_000, 5_000, 1_000_000L, 20),
    MEDIUM(200_000, 50_000, 10_000_000L, 50),
    LARGE(1_000_000, 200_000, 50_000_000L, 100);

    final int users;
    final int items;
    final long events;
    final int categories;

    Preset(int users, int items, long events, int categories) {
      this.users = users;
      this.items = items;
      this.events = events;
      this.categories = categories;
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Preset parse(String name) {
      for (Preset p : values()) {
        if (p.label().equals(name.trim().toLowerCase(Locale.ROOT))) {
          return p;
        }
      }
      throw RecsysException.config("Option --preset expects small, medium or large but was given '%s'", name);
    }
  }

  public static final double DEFAULT_EXPONENT = 1.0;
  public static final double DEFAULT_TASTE_SHARE = 0.85;
  public static final int DEFAULT_DAYS = 90;
  public static final LocalDate DEFAULT_END_DATE = LocalDate.of(2025, 6, 30);
  public static final long DEFAULT_SEED = 42;

  public GenerateSpec {
    require(users >= 1, "users must be at least 1, was " + users);
    require(items >= 1, "items must be at least 1, was " + items);
    require(events >= users, "events (" + events + ") must be at least the number of users (" + users
        + "): every user gets at least one");
    require(categories >= 1 && categories <= items, "categories must be between 1 and the number of items, was "
        + categories);
    require(exponent >= 0 && exponent <= 5, "exponent must be between 0 and 5, was " + exponent);
    require(tasteShare >= 0 && tasteShare <= 1, "taste share must be between 0 and 1, was " + tasteShare);
    require(days >= 1, "days must be at least 1, was " + days);
    require(driftShare >= 0 && driftShare <= 1, "drift share must be between 0 and 1, was " + driftShare);
    require(driftFrom == null || (!driftFrom.isAfter(endDate) && driftFrom.isAfter(endDate.minusDays(days))),
        "the drift date must fall within the window " + endDate.minusDays(days - 1) + " .. " + endDate + ", was "
            + driftFrom);
  }

  public static GenerateSpec of(Preset preset) {
    return new GenerateSpec(preset.users, preset.items, preset.events, preset.categories, DEFAULT_EXPONENT,
        DEFAULT_TASTE_SHARE, DEFAULT_DAYS, DEFAULT_END_DATE, DEFAULT_SEED, null, 0);
  }

  public GenerateSpec withUsers(int value) {
    return new GenerateSpec(value, items, events, categories, exponent, tasteShare,
        days, endDate, seed, driftFrom, driftShare);
  }

  public GenerateSpec withItems(int value) {
    return new GenerateSpec(users, value, events, categories, exponent, tasteShare,
        days, endDate, seed, driftFrom, driftShare);
  }

  public GenerateSpec withEvents(long value) {
    return new GenerateSpec(users, items, value, categories, exponent, tasteShare,
        days, endDate, seed, driftFrom, driftShare);
  }

  public GenerateSpec withCategories(int value) {
    return new GenerateSpec(users, items, events, value, exponent, tasteShare,
        days, endDate, seed, driftFrom, driftShare);
  }

  public GenerateSpec withExponent(double value) {
    return new GenerateSpec(users, items, events, categories, value, tasteShare,
        days, endDate, seed, driftFrom, driftShare);
  }

  public GenerateSpec withTasteShare(double value) {
    return new GenerateSpec(users, items, events, categories, exponent, value,
        days, endDate, seed, driftFrom, driftShare);
  }

  public GenerateSpec withDays(int value) {
    return new GenerateSpec(users, items, events, categories, exponent, tasteShare,
        value, endDate, seed, driftFrom, driftShare);
  }

  public GenerateSpec withEndDate(LocalDate value) {
    return new GenerateSpec(users, items, events, categories, exponent, tasteShare, days, value, seed,
        driftFrom, driftShare);
  }

  public GenerateSpec withSeed(long value) {
    return new GenerateSpec(users, items, events, categories, exponent, tasteShare,
        days, endDate, value, driftFrom, driftShare);
  }

  /** From {@code from} on, a share {@code share} of the users follow new favourite categories. */
  public GenerateSpec withDrift(LocalDate from, double share) {
    return new GenerateSpec(users, items, events, categories, exponent, tasteShare, days, endDate, seed, from, share);
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("users", users);
    m.put("items", items);
    m.put("events", events);
    m.put("categories", categories);
    m.put("exponent", exponent);
    m.put("taste_share", tasteShare);
    m.put("days", days);
    m.put("end_date", endDate.toString());
    m.put("seed", seed);
    if (driftFrom != null) {
      m.put("drift_from", driftFrom.toString());
      m.put("drift_share", driftShare);
    }
    return m;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw RecsysException.config("generate: %s", message);
    }
  }
}
