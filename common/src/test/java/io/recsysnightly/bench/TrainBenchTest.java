package io.recsysnightly.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.testing.TestInputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training benchmark end to end on a small input: it builds the matrix, fits both solvers with the
 * same parameters, and reports for each a time, the objective (the native one at or below ALS.fit's)
 * and holdout NDCG@10 (both above chance); the export holds the matrix for the reference script; the
 * warm start's two nights are measured.
 */
class TrainBenchTest {

  @Test
  @SuppressWarnings("unchecked")
  void bothSolversOnOneMatrixWithTheirFigures(@TempDir Path dir) throws Exception {
    Random rnd = new Random(3);
    List<String> events = new ArrayList<>();
    for (int u = 0; u < 150; u++) {
      for (int e = 0; e < 15; e++) {
        int group = rnd.nextDouble() < 0.85 ? u % 3 : rnd.nextInt(3);
        events.add(String.format("u%d,i%d,rating,2020-01-%02d 10:%02d:00,", u, group * 20 + rnd.nextInt(20),
            1 + e % 9, e));
      }
    }
    TestInputs in = new TestInputs(dir).events(events.toArray(new String[0])).set("recsys.als.num-blocks", "2");
    Path export = dir.resolve("export");
    Map<String, Object> f = new TrainBench(in.context("2020-01-10"),
        new TrainBench.Params(8, 6, 1, Optional.of(export.toString()), true)).run();

    Map<String, Object> mllib = (Map<String, Object>) f.get("mllib");
    Map<String, Object> ours = (Map<String, Object>) f.get("native");
    assertEquals(150L, ((Number) f.get("users")).longValue());
    assertTrue((double) ours.get("loss") <= 1.01 * (double) mllib.get("loss"), f.toString());
    assertTrue((double) ours.get("median_s") > 0 && (double) mllib.get("median_s") > 0);
    // 60 items in 3 taste groups of 20: a list drawn at random would reach far less.
    assertTrue((double) ours.get("ndcg@10") > 0.1, f.toString());
    assertTrue((double) mllib.get("ndcg@10") > 0.1, f.toString());
    // Night two warm-started from night one starts near its optimum: below the cold fit after one sweep,
    // at the cold fit's final objective within the sweeps, and its vectors stay close to night one's.
    Map<String, Object> warmStart = (Map<String, Object>) f.get("warm_start");
    List<Double> cold = (List<Double>) ((Map<String, Object>) warmStart.get("cold")).get("objective_each_sweep");
    Map<String, Object> warm = (Map<String, Object>) warmStart.get("warm");
    List<Double> warmLosses = (List<Double>) warm.get("objective_each_sweep");
    assertEquals(6, cold.size());
    assertTrue(warmLosses.get(0) < cold.get(0), warmStart.toString());
    int reached = ((Number) warmStart.get("warm_sweeps_to_cold_objective")).intValue();
    assertTrue(reached >= 1 && reached <= 6 && warmLosses.get(reached - 1) <= cold.get(5), warmStart.toString());
    assertTrue((double) warm.get("median_cosine_users") > 0.9, warmStart.toString());
    assertTrue(Files.isRegularFile(export.resolve("params.json")));
    assertTrue(Files.list(export.resolve("train")).anyMatch(p -> p.getFileName().toString().endsWith(".csv")));
    assertTrue(Files.list(export.resolve("holdout")).anyMatch(p -> p.getFileName().toString().endsWith(".csv")));
  }
}
