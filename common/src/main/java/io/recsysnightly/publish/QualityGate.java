package io.recsysnightly.publish;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.matrix.InputDrift;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a run may become LATEST: ALS must not rank worse than the most-popular baseline
 * on the holdout (NDCG@K) nor fall more than a tolerance below the run LATEST points at, the share
 * of known users who get a non-empty list must reach the configured minimum, and the output row
 * counts must be sane (one recommendations row per user, item embeddings present, not far fewer
 * rows than LATEST's).
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
  public Verdict check(Map<String, Object> metrics, long usersKnown, long usersWithList) {
    return check(metrics, usersKnown, usersWithList, Map.of(), Optional.empty());
  }

  /** What the rules from history compare: tonight's build-matrix counts, earlier publications' manifests (oldest first). */
  public record History(Map<String, ?> inputCounts, List<Map<String, Object>> manifests) {
    public static final History NONE = new History(Map.of(), List.of());
  }

  /**
   * @param outputCounts rows of each published dataset (recommendations, item_embeddings, ...)
   * @param previous the manifest of the publication LATEST points at, if any
   */
  public Verdict check(Map<String, Object> metrics, long usersKnown, long usersWithList,
      Map<String, Object> outputCounts, Optional<Map<String, Object>> previous) {
    return check(metrics, usersKnown, usersWithList, outputCounts, previous, History.NONE);
  }

  /** @param history for the optional rules from history (input volume, forward NDCG) */
  public Verdict check(Map<String, Object> metrics, long usersKnown, long usersWithList,
      Map<String, Object> outputCounts, Optional<Map<String, Object>> previous, History history) {
    Verdict base = checkAgainstBaseline(metrics, usersKnown, usersWithList);
    List<String> reasons = new ArrayList<>(base.reasons());
    Map<String, Object> checks = new LinkedHashMap<>(base.checks());
    checkHistory(metrics, history, reasons, checks);
    Long recommendations = count(outputCounts, "recommendations");
    if (recommendations != null && recommendations != usersKnown) {
      reasons.add(String.format(Locale.ROOT, "recommendations has %d rows for %d known users (one per user expected)",
          recommendations, usersKnown));
    }
    Long itemEmbeddings = count(outputCounts, "item_embeddings");
    if (itemEmbeddings != null && itemEmbeddings == 0) {
      reasons.add("item_embeddings is empty");
    }
    if (previous.isPresent()) {
      Map<String, Object> prev = previous.get();
      checks.put("previous_run", prev.get("model_version") + " (" + prev.get("date") + ")");
      Long prevRows = prev.get("output_counts") instanceof Map<?, ?> counts ? count(counts, "recommendations") : null;
      double maxRowDrop = config.get(ConfigKeys.GATE_MAX_ROW_DROP);
      if (recommendations != null && prevRows != null) {
        checks.put("previous_recommendations_rows", prevRows);
        if (recommendations < (1 - maxRowDrop) * prevRows) {
          reasons.add(String.format(Locale.ROOT, "recommendations has %d rows, more than %s=%s fewer than the %d of "
              + "the published run %s", recommendations, ConfigKeys.GATE_MAX_ROW_DROP.name(), maxRowDrop, prevRows,
              prev.get("model_version")));
        }
      }
      String ndcg = "ndcg@" + metrics.get("k");
      Double now = alsMetric(metrics, ndcg);
      Double before = prev.get("metrics") instanceof Map<?, ?> m ? alsMetric(m, ndcg) : null;
      double maxDrop = config.get(ConfigKeys.GATE_MAX_METRIC_DROP);
      if (now != null && before != null) {
        checks.put("previous_als_" + ndcg, before);
        if (now < (1 - maxDrop) * before) {
          reasons.add(String.format(Locale.ROOT, "ALS %s %.4f fell more than %s=%s below the published run's %.4f (%s)",
              ndcg, now, ConfigKeys.GATE_MAX_METRIC_DROP.name(), maxDrop, before, prev.get("model_version")));
        }
      }
    }
    return new Verdict(reasons.isEmpty(), reasons, checks);
  }

  /**
   * The rules from history, each off at 0: the run date's event volume, and the forward check's NDCG,
   * against their medians over the last recsys.drift.history-nights publications.
   */
  private void checkHistory(Map<String, Object> metrics, History history, List<String> reasons,
      Map<String, Object> checks) {
    int nights = config.get(ConfigKeys.DRIFT_HISTORY_NIGHTS);
    List<Map<String, Object>> manifests = history.manifests().subList(Math.max(0, history.manifests().size() - nights),
        history.manifests().size());
    double minVolume = config.get(ConfigKeys.GATE_MIN_VOLUME_RATIO);
    if (minVolume > 0) {
      InputDrift.Measure volume = InputDrift.compare(history.inputCounts(), InputDrift.inputCounts(manifests), nights)
          .get(InputDrift.VOLUME);
      if (volume != null && volume.nights() > 0) {
        checks.put("volume_vs_median", volume.ratio());
        if (volume.tonight() < minVolume * volume.median()) {
          reasons.add(String.format(Locale.ROOT, "input volume: %.0f events on the run date, below %s=%s of their "
              + "median %.0f over the last %d publications (a half-landed input?)", volume.tonight(),
              ConfigKeys.GATE_MIN_VOLUME_RATIO.name(), minVolume, volume.median(), volume.nights()));
        }
      }
    }
    double minForward = config.get(ConfigKeys.GATE_MIN_FORWARD_RATIO);
    Double forward = forwardNdcg(metrics);
    if (minForward > 0 && forward != null) {
      double[] before = manifests.stream().map(m -> m.get("metrics") instanceof Map<?, ?> mm
          ? forwardNdcg(mm) : null).filter(java.util.Objects::nonNull).mapToDouble(Double::doubleValue).sorted()
          .toArray();
      if (before.length > 0) {
        double median = InputDrift.median(before);
        checks.put("forward_ndcg_vs_median", median > 0 ? forward / median : Double.NaN);
        if (forward < minForward * median) {
          reasons.add(String.format(Locale.ROOT, "forward check: NDCG %.4f of the lists served since the last "
              + "publication is below %s=%s of its median %.4f over the last %d publications", forward,
              ConfigKeys.GATE_MIN_FORWARD_RATIO.name(), minForward, median, before.length));
        }
      }
    }
  }

  /** The forward check's NDCG@K of the personal lists as served, when it was done. */
  private static Double forwardNdcg(Map<?, ?> metrics) {
    if (metrics.get("forward") instanceof Map<?, ?> f && Boolean.TRUE.equals(f.get("checked"))
        && f.get("personal") instanceof Map<?, ?> p && p.get("published") instanceof Map<?, ?> served
        && served.get("ndcg@" + f.get("k")) instanceof Number n && p.get("users") instanceof Number u
        && u.longValue() > 0) {
      return n.doubleValue();
    }
    return null;
  }

  private static Long count(Map<?, ?> counts, String name) {
    return counts.get(name) instanceof Number n ? n.longValue() : null;
  }

  /** The ALS NDCG@K of a metrics map, when it was evaluated with the same K. */
  private static Double alsMetric(Map<?, ?> metrics, String ndcg) {
    if (!Boolean.TRUE.equals(metrics.get("evaluated")) || !(metrics.get("als") instanceof Map<?, ?> als)) {
      return null;
    }
    return als.get(ndcg) instanceof Number n ? n.doubleValue() : null;
  }

  @SuppressWarnings("unchecked")
  private Verdict checkAgainstBaseline(Map<String, Object> metrics, long usersKnown, long usersWithList) {
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
