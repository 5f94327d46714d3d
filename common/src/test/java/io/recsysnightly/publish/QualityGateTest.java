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
}
