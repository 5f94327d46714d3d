package io.recsysnightly.publish;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides whether a run may become LATEST: ALS must not rank worse than the most-popular baseline
 * on the holdout (NDCG@K), and the share of known users who get a non-empty list must reach the
 * configured minimum.
 */
public final class QualityGate {
  private final PipelineConfig config;

  public QualityGate(PipelineConfig config) {
    this.config = config;
  }

  /** The verdict: passed, and the checks with their figures, and the reasons for a refusal. */
  public record Verdict(boolean passed, List<String> reasons, Map<String, Object> checks) {}

  /**
   * @param metrics the content of metrics.json
   * @param usersKnown users of the run (the denominator of the list share)
   * @param usersWithList users whose published list is not empty
   */
  @SuppressWarnings("unchecked")
  public Verdict check(Map<String, Object> metrics, long usersKnown, long usersWithList) {
    List<String> reasons = new ArrayList<>();
    Map<String, Object> checks = new LinkedHashMap<>();
    String ndcg = "ndcg@" + metrics.get("k");
    if (Boolean.TRUE.equals(metrics.get("evaluated"))) {
      double als = ((Number) ((Map<String, Object>) metrics.get("als")).get(ndcg)).doubleValue();
      double pop = ((Number) ((Map<String, Object>) metrics.get("popularity")).get(ndcg)).doubleValue();
      checks.put("als_" + ndcg, als);
      checks.put("popularity_" + ndcg, pop);
      if (config.get(ConfigKeys.GATE_BEAT_BASELINE) && als < pop) {
        reasons.add(String.format(Locale.ROOT, "ALS %s %.4f is below the most-popular baseline's %.4f", ndcg, als,
            pop));
      }
    } else {
      checks.put("metrics", "not evaluated (" + ConfigKeys.EVALUATE.name() + "=false): baseline check skipped");
    }
    double share = usersKnown == 0 ? 0 : (double) usersWithList / usersKnown;
    double minShare = config.get(ConfigKeys.GATE_MIN_USER_SHARE);
    checks.put("users_with_list_share", share);
    if (share < minShare) {
      reasons.add(String.format(Locale.ROOT, "only %d of %d users (%.1f%%) have a list, below %s=%s", usersWithList,
          usersKnown, 100 * share, ConfigKeys.GATE_MIN_USER_SHARE.name(), minShare));
    }
    return new Verdict(reasons.isEmpty(), reasons, checks);
  }
}
