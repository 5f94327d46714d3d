package io.recsysnightly.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.knn.TopNKernel;
import io.recsysnightly.testing.SharedSpark;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The benchmark end to end at a small shape: ours and {@code recommendForAllUsers} agree user by user,
 * the approximate mode reaches the recall it was calibrated for, and every figure it reports is there.
 * (Its timings are what docs/performance.md quotes; here they only have to exist.)
 */
class CandidatesBenchTest {

  @Test
  @SuppressWarnings("unchecked")
  void oursAgreesWithRecommendForAllUsersAndTheFiguresAreComplete() throws Exception {
    // 1,000 users: the approximate mode calibrates its probes on all of them, so the recall it then
    // measures over all users is at least the target.
    CandidatesBench.Params p = new CandidatesBench.Params(1000, 700, 8, 20, 128, CandidatesBench.Mode.BOTH, 2,
        true, 2, 2, 4096, BenchFactors.Kind.PLANTED, 7, 0, 0, 0.95, TopNKernel.Backend.AUTO, 2);
    Map<String, Object> f = new CandidatesBench(SharedSpark.get(), p).run();

    Map<String, Object> check = (Map<String, Object>) f.get("results_check");
    assertEquals(true, check.get("same_top_n"), "ours against recommendForAllUsers: " + check);
    assertEquals(0L, ((Number) check.get("users_missing")).longValue());
    assertEquals(1000L, ((Number) check.get("users_identical")).longValue()
        + ((Number) check.get("users_equal_up_to_ties")).longValue());

    Map<String, Object> roof = (Map<String, Object>) f.get("roof");
    assertEquals(2, ((List<Double>) roof.get("runs_s")).size(), "the roof is timed in every round");
    assertTrue((double) roof.get("median_s") > 0);
    assertTrue((double) roof.get("selection_ns_per_pair_per_core") >= 0);
    assertTrue((double) f.get("ours_over_roof") > 0);
    assertTrue((double) f.get("speedup_vs_baseline") > 0);

    Map<String, Object> approx = (Map<String, Object>) f.get("approximate");
    double recall = (double) approx.get("recall_at_n");
    assertTrue(recall >= 0.95 && recall <= 1.0, "Recall@20 " + recall);
    assertTrue((double) approx.get("speedup_vs_exact") > 0);
  }
}
