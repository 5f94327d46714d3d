package io.recsysnightly.report;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The run report of an A/B experiment: the variants side by side, verdicts, and arm shares configured and observed. */
class RunReportVariantsTest {
  private static Map<String, Object> variant(double ndcg, double coverage, boolean passed, String reason) {
    Map<String, Object> als = Map.of("ndcg@10", ndcg, "coverage@10", coverage, "popularity_of_recommended@10", 0.25);
    return Map.of("overrides", Map.of(), "metrics", Map.of("k", 10, "evaluated", true, "als", als,
        "popularity", Map.of("ndcg@10", 0.05)), "gate", Map.of("passed", passed, "reasons", passed ? List.of()
        : List.of(reason)));
  }

  @Test
  void variantsAreComparedAndSharesShown() {
    Map<String, Object> manifest = Map.of("date", "2024-03-01", "model_version", "v", "metrics",
        Map.of("k", 10, "evaluated", false),
        "experiment", Map.of("salt", "s1", "users_assigned", 1000, "configured_shares", Map.of("control", 3,
            "bold", 1), "observed_shares", Map.of("control", 0.7412, "bold", 0.2588)),
        "variants", Map.of("control", variant(0.1234, 0.3456, true, ""),
            "bold", variant(0.0321, 0.5678, false, "ALS ndcg@10 0.0321 is below the most-popular baseline's 0.0500")));
    String html = RunReport.render(manifest, Optional.empty(), List.of());
    for (String expected : List.of("A/B variants", "1000 users assigned", "<td>control</td>", "<td>bold</td>",
        "0.1234", "0.0321", "0.3456", "0.5678", "0.2500", "0.7500", "0.7412", "0.2588",
        "refused: ALS ndcg@10 0.0321 is below", "id=\"arm-shares\"", "id=\"variant-ndcg\"")) {
      assertTrue(html.contains(expected), "the report lacks " + expected);
    }
  }

  @Test
  void noExperimentNoVariantSection() {
    String html = RunReport.render(Map.of("date", "2024-03-01", "model_version", "v", "metrics",
        Map.of("k", 10, "evaluated", false)), Optional.empty(), List.of());
    assertFalse(html.contains("A/B variants"));
  }
}
