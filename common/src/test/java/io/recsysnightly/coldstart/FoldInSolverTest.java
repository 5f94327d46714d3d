package io.recsysnightly.coldstart;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.als.Regularization;
import io.recsysnightly.testing.NaiveFoldIn;
import io.recsysnightly.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * {@link FoldInSolver} against (a) the implicit-ALS normal equations built and solved naively in
 * this test and (b) the user factors of a real Spark MLlib ALS fit, whose last sweep solves every
 * user against the final item factors.
 */
class FoldInSolverTest {


  private static float[] flatten(float[][] y) {
    int rank = y[0].length;
    float[] flat = new float[y.length * rank];
    for (int i = 0; i < y.length; i++) {
      System.arraycopy(y[i], 0, flat, i * rank, rank);
    }
    return flat;
  }

  private static void assertClose(double[] expected, float[] actual, double tol, String what) {
    assertNotNull(actual, what + ": null vector");
    assertEquals(expected.length, actual.length, what + ": length");
    for (int f = 0; f < expected.length; f++) {
      assertEquals(expected[f], actual[f], tol, what + ": component " + f);
    }
  }

  // ---------------------------------------------------------------- (a) naive normal equations

  @Test
  void matchesNaiveNormalEquations() {
    Random rnd = new Random(2024);
    int rank = 6;
    int numItems = 50;
    double alpha = 3.0;
    double lambda = 0.05;
    // Item ids 0, 2, 4, ... 98: odd ids have no factor.
    float[][] y = new float[numItems][rank];
    int[] ids = new int[numItems];
    Map<Integer, Integer> rowOfId = new HashMap<>();
    for (int i = 0; i < numItems; i++) {
      ids[i] = 2 * i;
      rowOfId.put(ids[i], i);
      for (int f = 0; f < rank; f++) {
        y[i][f] = (float) (rnd.nextGaussian() * 0.5);
      }
    }
    FoldInSolver solver = new FoldInSolver(flatten(y), ids, rank, alpha, Regularization.mllib(lambda));
    for (int user = 0; user < 20; user++) {
      int count = 1 + rnd.nextInt(15);
      List<Integer> items = new ArrayList<>();
      List<Double> ratings = new ArrayList<>();
      Set<Integer> used = new HashSet<>();
      for (int k = 0; k < count; k++) {
        int id = 2 * rnd.nextInt(numItems);
        if (used.add(id)) {
          items.add(id);
          ratings.add(0.1 + rnd.nextDouble() * 5);
        }
      }
      // Ignored: items without a factor (odd ids, an id past the end, a negative id), a zero and a negative rating.
      items.add(2 * rnd.nextInt(numItems) + 1);
      ratings.add(2.0);
      items.add(1000);
      ratings.add(1.0);
      items.add(-4);
      ratings.add(1.0);
      int unusedZero = nextUnused(rnd, numItems, used);
      items.add(unusedZero);
      ratings.add(0.0);
      int unusedNegative = nextUnused(rnd, numItems, used);
      items.add(unusedNegative);
      ratings.add(-1.5);

      int[] userItems = items.stream().mapToInt(Integer::intValue).toArray();
      double[] userRatings = ratings.stream().mapToDouble(Double::doubleValue).toArray();
      double[] expected = NaiveFoldIn.solve(y, rowOfId, userItems, userRatings, alpha, lambda);
      assertClose(expected, solver.solve(userItems, userRatings), 1e-4, "user " + user);
    }
  }

  private static int nextUnused(Random rnd, int numItems, Set<Integer> used) {
    while (true) {
      int id = 2 * rnd.nextInt(numItems);
      if (used.add(id)) {
        return id;
      }
    }
  }

  /** Rank 1, one item: the normal equation is a scalar one, solved by hand. */
  @Test
  void rankOneHandWorked() {
    // Y = [[2]] (item 7), α = 0.5, λ = 0.1, user rates item 7 with r = 4:
    // c1 = 2; A = 2·2 + 2·2·2 + 0.1·1 = 4 + 8 + 0.1 = 12.1; b = (1 + 2)·2 = 6; x = 6 / 12.1
    FoldInSolver solver = new FoldInSolver(new float[] {2f}, new int[] {7}, 1, 0.5, Regularization.mllib(0.1));
    float[] x = solver.solve(new int[] {7}, new double[] {4});
    assertEquals(6 / 12.1, x[0], 1e-6);
  }

  @Test
  void nullWhenNoItemHasAFactorOrAPositiveRating() {
    FoldInSolver solver = new FoldInSolver(new float[] {1, 0, 0, 1}, new int[] {3, 5}, 2, 1.0, Regularization.mllib(0.1));
    assertNull(solver.solve(new int[0], new double[0]), "no items");
    assertNull(solver.solve(new int[] {1, 4, 99}, new double[] {1, 1, 1}), "no item has a factor");
    assertNull(solver.solve(new int[] {3, 5}, new double[] {0, -2}), "no positive rating");
    assertNotNull(solver.solve(new int[] {3, 4}, new double[] {1, 1}));
  }

  /** The solver is shared read-only (broadcast): solving must not leak state from one user to the next. */
  @Test
  void solvesAreIndependent() {
    Random rnd = new Random(5);
    float[] y = new float[20 * 4];
    for (int i = 0; i < y.length; i++) {
      y[i] = (float) rnd.nextGaussian();
    }
    int[] ids = new int[20];
    for (int i = 0; i < 20; i++) {
      ids[i] = i;
    }
    FoldInSolver solver = new FoldInSolver(y, ids, 4, 2.0, Regularization.mllib(0.1));
    float[] first = solver.solve(new int[] {1, 2, 3}, new double[] {1, 2, 3});
    solver.solve(new int[] {4, 5, 6, 7}, new double[] {9, 9, 9, 9});
    float[] again = solver.solve(new int[] {1, 2, 3}, new double[] {1, 2, 3});
    assertEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(again));
  }

  // ---------------------------------------------------------------- (b) Spark's ALS

  @Test
  void matchesSparkAlsUserFactors() throws IOException {
    SparkSession spark = SharedSpark.get();
    spark.sparkContext().setCheckpointDir(Files.createTempDirectory("foldin-checkpoint").toString());
    Random rnd = new Random(77);
    int numUsers = 40;
    int numItems = 60;
    StructType schema = new StructType()
        .add("user_idx", DataTypes.IntegerType, false)
        .add("item_idx", DataTypes.IntegerType, false)
        .add("rating", DataTypes.FloatType, false);
    List<Row> rows = new ArrayList<>();
    Map<Integer, List<Integer>> itemsOf = new HashMap<>();
    Map<Integer, List<Float>> ratingsOf = new HashMap<>();
    Set<Long> pairs = new HashSet<>();
    while (rows.size() < 500) {
      int u = rnd.nextInt(numUsers);
      int i = rnd.nextInt(numItems);
      if (!pairs.add((long) u * numItems + i)) {
        continue;
      }
      // Positive ratings with a few distinct values, rounded to floats as Spark stores them.
      float r = (float) (0.5 + rnd.nextInt(8) * 0.75);
      rows.add(RowFactory.create(u, i, r));
      itemsOf.computeIfAbsent(u, k -> new ArrayList<>()).add(i);
      ratingsOf.computeIfAbsent(u, k -> new ArrayList<>()).add(r);
    }
    Dataset<Row> ratings = spark.createDataFrame(rows, schema);

    double alpha = 5.0;
    double reg = 0.1;
    ALSModel model = new ALS()
        .setImplicitPrefs(true)
        .setRank(8)
        .setRegParam(reg)
        .setAlpha(alpha)
        .setMaxIter(5)
        .setSeed(1)
        .setNumUserBlocks(1)
        .setNumItemBlocks(1)
        .setUserCol("user_idx")
        .setItemCol("item_idx")
        .setRatingCol("rating")
        .setColdStartStrategy("drop")
        .fit(ratings);

    FactorMatrix y = FactorMatrix.collect(
        model.itemFactors().select(col("id").as("item_idx"), col("features").as("vector")), "item_idx");
    assertEquals(8, y.rank());
    FoldInSolver solver = new FoldInSolver(y.vectors(), y.ids(), y.rank(), alpha, Regularization.mllib(reg));

    Map<Integer, float[]> userFactors = new HashMap<>();
    for (Row r : model.userFactors().collectAsList()) {
      List<Float> v = r.getList(1);
      float[] f = new float[v.size()];
      for (int k = 0; k < f.length; k++) {
        f[k] = v.get(k);
      }
      userFactors.put(r.getInt(0), f);
    }

    int checked = 0;
    for (int u = 0; u < numUsers; u++) {
      if (!itemsOf.containsKey(u)) {
        continue;
      }
      int[] items = itemsOf.get(u).stream().mapToInt(Integer::intValue).toArray();
      double[] rs = ratingsOf.get(u).stream().mapToDouble(Float::doubleValue).toArray();
      float[] foldedIn = solver.solve(items, rs);
      float[] fromSpark = userFactors.get(u);
      assertNotNull(fromSpark, "Spark has a factor for user " + u);
      assertNotNull(foldedIn, "fold-in for user " + u);
      for (int f = 0; f < fromSpark.length; f++) {
        double diff = Math.abs(foldedIn[f] - fromSpark[f]);
        assertTrue(diff <= 1e-3 || diff <= 1e-3 * Math.abs(fromSpark[f]),
            "user " + u + " component " + f + ": fold-in " + foldedIn[f] + " vs Spark " + fromSpark[f]);
      }
      checked++;
    }
    assertTrue(checked >= 30, "checked " + checked + " users");
  }
}
