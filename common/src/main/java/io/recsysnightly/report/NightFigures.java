package io.recsysnightly.report;

import io.recsysnightly.matrix.InputDrift;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One publication's headline figures, read from its manifest: the holdout NDCG, the forward check of
 * the lists served the night before, the day's input (event volume, share of new users) and the model
 * drift against the night before. {@code status}'s table of the last nights and
 * the run report's trend table show the same figures; NaN where a night lacks one (not evaluated, no
 * publication before it, a manifest of a version before the figure existed).
 */
public record NightFigures(String date, String modelVersion, int k, double holdoutNdcg, double forwardServed,
    double forwardAll, double forwardUsers, double eventsOnDate, double newUserShare, double top10Changed,
    double userCosine, String gate) {

  /** The columns of {@link #cells()}, for a night table at cut-off {@code k}. */
  public static List<String> header(int k) {
    return List.of("night", "holdout ndcg@" + k, "forward ndcg@" + k, "forward __all__", "forward users",
        "events on the day", "new users", "top-10 changed", "user cosine", "gate");
  }

  public static NightFigures of(Map<String, Object> manifest) {
    Map<String, Object> metrics = map(manifest.get("metrics"));
    int k = metrics.get("k") instanceof Number n ? n.intValue() : 10;
    String ndcg = "ndcg@" + k;
    Map<String, Object> forward = map(metrics.get("forward"));
    Map<String, Object> personal = Boolean.TRUE.equals(forward.get("checked")) ? map(forward.get("personal"))
        : Map.of();
    Map<String, Double> input = InputDrift.measures(map(manifest.get("input_counts")));
    Map<String, Object> drift = map(manifest.get("model_drift"));
    Map<String, Object> gate = map(manifest.get("gate"));
    return new NightFigures(String.valueOf(manifest.get("date")), String.valueOf(manifest.get("model_version")), k,
        Boolean.TRUE.equals(metrics.get("evaluated")) ? value(map(metrics.get("als")), ndcg) : Double.NaN,
        value(map(personal.get("published")), ndcg), value(map(personal.get("starter_all")), ndcg),
        value(personal, "users"), input.getOrDefault(InputDrift.VOLUME, Double.NaN),
        input.getOrDefault("new_user_share", Double.NaN), value(drift, "top10_changed_share"),
        value(drift, "user_cosine_median"), gate.isEmpty() ? "" : Boolean.TRUE.equals(gate.get("passed")) ? "passed"
            : Boolean.TRUE.equals(gate.get("forced")) ? "refused, forced" : "refused");
  }

  /** The figures as text in the order of {@link #header}, empty where absent. */
  public List<String> cells() {
    return List.of(date, fixed(holdoutNdcg, "%.4f"), fixed(forwardServed, "%.4f"), fixed(forwardAll, "%.4f"),
        fixed(forwardUsers, "%,.0f"), fixed(eventsOnDate, "%,.0f"), percent(newUserShare), percent(top10Changed),
        fixed(userCosine, "%.3f"), gate);
  }

  private static String fixed(double v, String format) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, format, v);
  }

  private static String percent(double share) {
    return Double.isNaN(share) ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }

  private static double value(Map<String, Object> m, String name) {
    return m.get(name) instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }
}
