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
 * and holdout NDCG@10 (both above chance); the export holds the matrix for the reference script.
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
        new TrainBench.Params(8, 6, 1, Optional.of(export.toString()))).run();

    Map<String, Object> mllib = (Map<String, Object>) f.get("mllib");
    Map<String, Object> ours = (Map<String, Object>) f.get("native");
    assertEquals(150L, ((Number) f.get("users")).longValue());
    assertTrue((double) ours.get("loss") <= 1.01 * (double) mllib.get("loss"), f.toString());
    assertTrue((double) ours.get("median_s") > 0 && (double) mllib.get("median_s") > 0);
    // 60 items in 3 taste groups of 20: a list drawn at random would reach far less.
    assertTrue((double) ours.get("ndcg@10") > 0.1, f.toString());
    assertTrue((double) mllib.get("ndcg@10") > 0.1, f.toString());
    assertTrue(Files.isRegularFile(export.resolve("params.json")));
    assertTrue(Files.list(export.resolve("train")).anyMatch(p -> p.getFileName().toString().endsWith(".csv")));
    assertTrue(Files.list(export.resolve("holdout")).anyMatch(p -> p.getFileName().toString().endsWith(".csv")));
  }
}
