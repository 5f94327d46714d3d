package io.recsysnightly.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recsysnightly.testing.TestInputs;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Strengths from build-matrix against values computed by hand from the formula in the architecture. */
class InteractionWeighterTest {

  @Test
  void weightsValuesDecayAndCapMatchHandComputedStrengths(@TempDir Path dir) {
    // Run date 2020-01-10: ages are measured from its end, 2020-01-11T00:00Z. Half-life 10 days.
    TestInputs in = new TestInputs(dir).events(
        "a,x,rating,2020-01-01 00:00:00,4",    // age 10 d -> decay 0.5; weight 1, f = 4 -> 2.0
        "a,x,tag,2020-01-11 00:00:00,",        // at the very end of the run date: outside this run
        "a,y,tag,2019-12-22 00:00:00,",        // age 20 d -> 0.25; 0.5 * 1 * 0.25 = 0.125
        "b,x,rating,2020-01-10 12:00:00,100",  // age 0.5 d; 1 * 100 * 2^-0.05 = 96.59 -> capped at 50
        "b,y,rating,1577836800,2")             // epoch 2020-01-01T00:00Z: age 10 d -> 1 * 2 * 0.5 = 1.0
        .set("recsys.matrix.value-transform", "linear")
        .set("recsys.matrix.half-life-days", "10")
        .set("recsys.matrix.max-strength", "50")
        .set("recsys.split.min-interactions", "100");
    BuildMatrix step = new BuildMatrix(in.context("2020-01-10"));
    var report = step.execute();
    assertEquals(1, report.countOf("events outside run window"));

    Map<String, Double> strengths = strengthsById(in);
    assertEquals(2.0, strengths.get("a/x"), 1e-9);
    assertEquals(0.125, strengths.get("a/y"), 1e-9);
    assertEquals(50.0, strengths.get("b/x"), 1e-9);
    assertEquals(1.0, strengths.get("b/y"), 1e-9);
  }

  @Test
  void logValuesAndNoDecay(@TempDir Path dir) {
    TestInputs in = new TestInputs(dir).events(
        "a,x,rating,2020-01-01 00:00:00,3",   // ln(1+3) = 1.3863
        "a,x,rating,2019-01-01 00:00:00,",    // missing value counts 1 -> total 2.3863
        "a,y,tag,2020-01-02 00:00:00,7")      // 0.5 * ln(8) = 1.0397
        .set("recsys.matrix.value-transform", "log1p")
        .set("recsys.split.min-interactions", "100");
    new BuildMatrix(in.context("2020-01-10")).execute();
    Map<String, Double> strengths = strengthsById(in);
    assertEquals(Math.log(4) + 1, strengths.get("a/x"), 1e-9);
    assertEquals(0.5 * Math.log(8), strengths.get("a/y"), 1e-9);
  }

  @Test
  void perUserCapKeepsTheMostRecentEvents(@TempDir Path dir) {
    TestInputs in = new TestInputs(dir).events(
        "a,i1,rating,2020-01-01 00:00:00,", "a,i2,rating,2020-01-02 00:00:00,",
        "a,i3,rating,2020-01-03 00:00:00,", "a,i4,rating,2020-01-04 00:00:00,",
        "a,i5,rating,2020-01-05 00:00:00,", "b,i1,rating,2020-01-01 00:00:00,")
        .set("recsys.matrix.max-events-per-user", "3")
        .set("recsys.split.min-interactions", "100");
    var report = new BuildMatrix(in.context("2020-01-10")).execute();
    assertEquals(2, report.countOf("events over per-user cap"));
    Map<String, Double> strengths = strengthsById(in);
    assertEquals(Map.of("a/i3", 1.0, "a/i4", 1.0, "a/i5", 1.0, "b/i1", 1.0), strengths);
  }

  static Map<String, Double> strengthsById(TestInputs in) {
    var ctx = in.context("2020-01-10");
    Map<String, Double> out = new HashMap<>();
    for (Row r : ctx.read(ctx.paths().matrixAll())
        .join(ctx.read(ctx.paths().userTable()), "user_idx")
        .join(ctx.read(ctx.paths().itemTable()), "item_idx")
        .select("user_id", "item_id", "strength").collectAsList()) {
      out.put(r.getString(0) + "/" + r.getString(1), r.getDouble(2));
    }
    return out;
  }
}
