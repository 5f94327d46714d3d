package io.recsysnightly.matrix;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Tonight's input against the nights before it: the run date's event volume, the share of its active
 * users and items seen for the first time, the share of malformed rows and each event type's share of
 * the day, each beside its median over the last publications (their manifests' {@code input_counts},
 * which are build-matrix's counts). A pure computation over counts, so build-matrix (warnings) and
 * publish (the volume rule) derive the same figures from the same numbers.
 */
public final class InputDrift {
  public static final String EVENTS_ON_DATE = "events on the run date";
  public static final String USERS_ON_DATE = "users active on the run date";
  public static final String NEW_USERS_ON_DATE = "users first seen on the run date";
  public static final String ITEMS_ON_DATE = "items active on the run date";
  public static final String NEW_ITEMS_ON_DATE = "items first seen on the run date";
  public static final String TYPE_PREFIX = "events on the run date of type ";
  public static final String ROWS_IN = "event rows in";
  public static final String BAD_ROWS = "bad rows quarantined";
  public static final String VOLUME = "volume";

  private InputDrift() {}

  /** One measure: tonight's value, the trailing median (NaN without history) and their ratio. */
  public record Measure(double tonight, double median, int nights) {
    public double ratio() {
      return median > 0 ? tonight / median : Double.NaN;
    }

    /** Outside [1/factor, factor] times the median (a measure without history never drifts). */
    public boolean drifted(double factor) {
      double r = ratio();
      return !Double.isNaN(r) && (r > factor || r < 1 / factor);
    }
  }

  /** Each manifest's {@code input_counts} (build-matrix's counts), empty where a manifest has none. */
  @SuppressWarnings("unchecked")
  public static List<Map<String, ?>> inputCounts(List<Map<String, Object>> manifests) {
    return manifests.stream()
        .map(m -> m.get("input_counts") instanceof Map<?, ?> c ? (Map<String, ?>) c : Map.<String, Object>of())
        .toList();
  }

  /** The measures of one night's build-matrix counts, by name (volume, new_user_share, ..., type:T). */
  public static Map<String, Double> measures(Map<String, ?> counts) {
    Map<String, Double> m = new LinkedHashMap<>();
    double events = number(counts, EVENTS_ON_DATE);
    if (Double.isNaN(events)) {
      return m; // counts of a version before these measures
    }
    m.put(VOLUME, events);
    m.put("new_user_share", share(number(counts, NEW_USERS_ON_DATE), number(counts, USERS_ON_DATE)));
    m.put("new_item_share", share(number(counts, NEW_ITEMS_ON_DATE), number(counts, ITEMS_ON_DATE)));
    m.put("bad_row_share", share(number(counts, BAD_ROWS), number(counts, ROWS_IN)));
    for (Map.Entry<String, ?> e : counts.entrySet()) {
      if (e.getKey().startsWith(TYPE_PREFIX)) {
        m.put("type:" + e.getKey().substring(TYPE_PREFIX.length()), share(number(counts, e.getKey()), events));
      }
    }
    return m;
  }

  /**
   * @param tonight build-matrix's counts of this run
   * @param history earlier nights' counts, oldest first (only the last {@code nights} are used)
   */
  public static Map<String, Measure> compare(Map<String, ?> tonight, List<Map<String, ?>> history, int nights) {
    List<Map<String, Double>> before = new ArrayList<>();
    for (Map<String, ?> counts : history.subList(Math.max(0, history.size() - nights), history.size())) {
      Map<String, Double> m = measures(counts);
      if (!m.isEmpty()) {
        before.add(m);
      }
    }
    Map<String, Double> now = measures(tonight);
    TreeSet<String> types = new TreeSet<>();
    before.forEach(m -> m.keySet().stream().filter(k -> k.startsWith("type:")).forEach(types::add));
    Map<String, Measure> out = new LinkedHashMap<>();
    for (String name : now.keySet()) {
      out.put(name, measure(now.get(name), before, name));
    }
    for (String type : types) {
      // A type the earlier nights had and tonight lacks is a share of 0, not a missing measure.
      out.putIfAbsent(type, measure(0.0, before, type));
    }
    return out;
  }

  /** The summary's lines by measure: tonight's value and its ratio, flagged when it drifted past {@code factor}. */
  public static Map<String, String> describe(Map<String, Measure> measures, double factor) {
    Map<String, String> lines = new LinkedHashMap<>();
    measures.forEach((name, m) -> lines.put(name, String.format(Locale.ROOT, "%s, %s%s",
        name.equals(VOLUME) ? String.format(Locale.ROOT, "%.0f", m.tonight()) : String.format(Locale.ROOT, "%.4f",
            m.tonight()), m.nights() == 0 ? "no earlier night to compare with" : Double.isNaN(m.ratio())
            ? String.format(Locale.ROOT, "the median of %d nights is 0", m.nights())
            : String.format(Locale.ROOT, "%.2fx the median of %d nights", m.ratio(), m.nights()),
        m.drifted(factor) ? "  WARNING: drifted" : "")));
    return lines;
  }

  private static Measure measure(double tonight, List<Map<String, Double>> before, String name) {
    double[] values = before.stream().mapToDouble(m -> m.getOrDefault(name, name.startsWith("type:") ? 0.0 : Double.NaN))
        .filter(v -> !Double.isNaN(v)).sorted().toArray();
    return new Measure(tonight, median(values), values.length);
  }

  /** The median of sorted values (NaN for none). */
  public static double median(double[] sorted) {
    int n = sorted.length;
    return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double share(double part, double whole) {
    return whole > 0 ? part / whole : 0;
  }

  private static double number(Map<String, ?> counts, String name) {
    return counts.get(name) instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
