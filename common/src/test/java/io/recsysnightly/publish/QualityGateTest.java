package io.recsysnightly.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.config.PipelineConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The gate's checks on figures alone: baseline, regression against LATEST, row counts. */
class QualityGateTest {
  private static final PipelineConfig CONFIG = PipelineConfig.load(Optional.empty(), List.of());

  private static Map<String, Object> metrics(double als, double pop) {
    return Map.of("evaluated", true, "k", 10, "als", Map.of("ndcg@10", als), "popularity", Map.of("ndcg@10", pop));
  }

  private static Map<String, Object> previous(double als, long rows) {
    return Map.of("model_version", "2024-03-01-abcd", "date", "2024-03-01", "metrics", metrics(als, 0.1),
        "output_counts", Map.of("recommendations", rows));
  }

  private static QualityGate.Verdict check(double als, long users, Optional<Map<String, Object>> previous) {
    return new QualityGate(CONFIG).check(metrics(als, 0.1), users, users,
        Map.of("recommendations", users, "item_embeddings", 50L), previous);
  }

  @Test
  void passesWhenNoWorseThanBaselineAndLatestWithinTolerance() {
    QualityGate.Verdict v = check(0.20, 1000, Optional.of(previous(0.21, 1000)));
    assertTrue(v.passed(), v.reasons().toString());
    assertEquals(0.21, v.checks().get("previous_als_ndcg@10"));
  }

  @Test
  void refusesAMetricDropBeyondTheTolerance() {
    // Default tolerance 0.1: 0.18 is below 0.9 * 0.21 = 0.189.
    QualityGate.Verdict v = check(0.18, 1000, Optional.of(previous(0.21, 1000)));
    assertFalse(v.passed());
    assertTrue(v.reasons().get(0).contains("fell more than recsys.gate.max-metric-drop=0.1 below the published run's "
        + "0.2100 (2024-03-01-abcd)"), v.reasons().toString());
    assertTrue(check(0.19, 1000, Optional.of(previous(0.21, 1000))).passed());
  }

  @Test
  void refusesFarFewerRowsThanLatest() {
    QualityGate.Verdict v = check(0.20, 400, Optional.of(previous(0.20, 1000)));
    assertFalse(v.passed());
    assertTrue(v.reasons().get(0).contains("recommendations has 400 rows, more than recsys.gate.max-row-drop=0.5 "
        + "fewer than the 1000"), v.reasons().toString());
    assertTrue(check(0.20, 500, Optional.of(previous(0.20, 1000))).passed(), "exactly at the bound passes");
  }

  @Test
  void refusesRowCountsThatAreNotOnePerUserOrEmptyItems() {
    QualityGate.Verdict v = new QualityGate(CONFIG).check(metrics(0.2, 0.1), 100, 100,
        Map.of("recommendations", 90L, "item_embeddings", 0L), Optional.empty());
    assertEquals(List.of("recommendations has 90 rows for 100 known users (one per user expected)",
        "item_embeddings is empty"), v.reasons());
  }

  @Test
  void refusesBelowBaselineAndTooFewListsAsBefore() {
    QualityGate.Verdict v = new QualityGate(CONFIG).check(metrics(0.05, 0.1), 100, 90);
    assertEquals(2, v.reasons().size(), v.reasons().toString());
    assertTrue(v.reasons().get(0).contains("below the most-popular baseline"));
    assertTrue(v.reasons().get(1).contains("only 90 of 100 users"));
  }

  private static Map<String, Object> night(long eventsOnDate, double forwardNdcg) {
    return Map.of("input_counts", Map.of("events on the run date", eventsOnDate), "metrics", Map.of("k", 10,
        "forward", forward(forwardNdcg)));
  }

  private static Map<String, Object> forward(double ndcg) {
    return Map.of("checked", true, "k", 10, "personal", Map.of("users", 50L, "published", Map.of("ndcg@10", ndcg)));
  }

  private static QualityGate.Verdict checkHistory(PipelineConfig config, long eventsTonight, double forwardTonight) {
    Map<String, Object> metrics = new java.util.HashMap<>(metrics(0.2, 0.1));
    metrics.put("forward", forward(forwardTonight));
    // Four earlier nights, the oldest outside recsys.drift.history-nights=3: medians 1000 events and 0.30.
    List<Map<String, Object>> nights = List.of(night(10, 0.01), night(900, 0.30), night(1000, 0.28), night(1100, 0.31));
    return new QualityGate(config).check(metrics, 100, 100, Map.of(), Optional.empty(),
        new QualityGate.History(Map.of("events on the run date", eventsTonight), nights));
  }

  @Test
  void refusesAHalfLandedInputAndACollapsedForwardCheckOnlyWhenTheirRulesAreOn() {
    PipelineConfig on = PipelineConfig.load(Optional.empty(), List.of("recsys.drift.history-nights=3",
        "recsys.gate.min-volume-ratio=0.6", "recsys.gate.min-forward-ratio=0.5"));
    assertTrue(checkHistory(on, 600, 0.15).passed(), "at the bounds: 600 = 0.6 x 1000, 0.15 = 0.5 x 0.30");
    QualityGate.Verdict v = checkHistory(on, 500, 0.10);
    assertEquals(List.of("input volume: 500 events on the run date, below recsys.gate.min-volume-ratio=0.6 of their "
        + "median 1000 over the last 3 publications (a half-landed input?)", "forward check: NDCG 0.1000 of the lists "
        + "served since the last publication is below recsys.gate.min-forward-ratio=0.5 of its median 0.3000 over the "
        + "last 3 publications"), v.reasons());
    assertEquals(0.5, (Double) v.checks().get("volume_vs_median"), 1e-12);
    PipelineConfig off = PipelineConfig.load(Optional.empty(), List.of("recsys.drift.history-nights=3"));
    assertTrue(checkHistory(off, 500, 0.10).passed(), "both rules are off by default");
    assertTrue(checkHistory(CONFIG, 1, 0.0).passed());
  }
}
