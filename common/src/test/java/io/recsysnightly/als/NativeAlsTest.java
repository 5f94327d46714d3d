package io.recsysnightly.als;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.report.Progress;
import io.recsysnightly.testing.NaiveFoldIn;
import io.recsysnightly.testing.SharedSpark;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/**
 * The native solver against independent truths: each row's solve against the normal equations built
 * naively and solved by Gaussian elimination; the objective across sweeps; Spark MLlib's ALS.fit on
 * the same matrix; and itself (same seed, broadcast or shipped block-wise: the same factors).
 */
class NativeAlsTest {
  private static final int USERS = 300;
  private static final int ITEMS = 120;
  private static SparkSession spark;
  private static Dataset<Row> ratings;
  private static AlsMatrix matrix;

  @BeforeAll
  static void setUp() {
    spark = SharedSpark.get();
    Random rnd = new Random(7);
    List<Row> rows = new ArrayList<>();
    // Two taste groups over the items' halves, plus noise; user ids with holes (3u), item ids too (2i + 1).
    for (int u = 0; u < USERS; u++) {
      Set<Integer> items = new LinkedHashSet<>();
      int n = 3 + rnd.nextInt(25);
      while (items.size() < n) {
        int half = rnd.nextDouble() < 0.8 ? u % 2 : 1 - u % 2;
        items.add(half * (ITEMS / 2) + rnd.nextInt(ITEMS / 2));
      }
      for (int i : items) {
        rows.add(RowFactory.create(3 * u, 2 * i + 1, 0.5 + rnd.nextInt(5)));
      }
    }
    StructType schema = new StructType().add("user_idx", DataTypes.IntegerType, false)
        .add("item_idx", DataTypes.IntegerType, false).add("rating", DataTypes.DoubleType, false);
    ratings = spark.createDataFrame(rows, schema).repartition(3).cache();
    matrix = AlsMatrix.of(ratings, 3);
  }

  @AfterAll
  static void tearDown() {
    matrix.release();
    ratings.unpersist();
  }

  /** Distributed fits: the one-task path is checked against them ({@link #oneTaskFitEqualsDistributedFit}). */
  private static NativeAls.Settings settings(Regularization reg, boolean cholesky, long budget, boolean lossEach) {
    return settings(reg, cholesky, budget, lossEach, 0);
  }

  private static NativeAls.Settings settings(Regularization reg, boolean cholesky, long budget, boolean lossEach,
      long oneTaskMaxInteractions) {
    return new NativeAls.Settings(8, 10, 2.0, reg, cholesky, 3, 11L, budget, oneTaskMaxInteractions, 4,
        lossEach ? NativeAls.Objective.EACH_SWEEP : NativeAls.Objective.FINAL);
  }

  private static AlsFit fit(NativeAls.Settings s) {
    return new NativeAls(spark, s).fit(matrix, null, null, new Progress(spark, "test"), "fitting");
  }

  private static Map<Integer, float[]> collect(Dataset<Row> factors) {
    Map<Integer, float[]> out = new HashMap<>();
    for (Row r : factors.collectAsList()) {
      out.put(r.getInt(0), AlsFit.toFloats(r.getList(1)));
    }
    return out;
  }

  @Test
  void matrixHoldsEveryCellOnce() {
    assertEquals(ratings.count(), matrix.users().interactions());
    assertEquals(ratings.count(), matrix.items().interactions());
    assertEquals(USERS, matrix.users().rows());
    assertEquals(ratings.select("item_idx").distinct().count(), matrix.items().rows());
  }

  /** Cached blocks spill to disk through spark.serializer, which is Kryo on clusters: they must survive it. */
  @Test
  void blocksSurviveKryo() {
    SerializerInstance kryo = new KryoSerializer(spark.sparkContext().getConf()).newInstance();
    for (RatingBlock b : matrix.users().blocks().collect()) {
      RatingBlock copy = kryo.deserialize(kryo.serialize(b, ClassTag$.MODULE$.apply(RatingBlock.class)),
          ClassTag$.MODULE$.apply(RatingBlock.class));
      assertArrayEquals(b.rows(), copy.rows());
      assertArrayEquals(b.ptr(), copy.ptr());
      assertArrayEquals(b.cols(), copy.cols());
      assertArrayEquals(b.ratings(), copy.ratings());
      assertArrayEquals(b.colIds(), copy.colIds());
    }
  }

  /** Cholesky and enough CG steps both give the row's exact solve, in both regularisation forms. */
  @Test
  void rowSolvesEqualTheNormalEquations() {
    Random rnd = new Random(3);
    int k = 6;
    int items = 40;
    float[][] y = new float[items][k];
    float[] flat = new float[items * k];
    Map<Integer, Integer> rowOfId = new HashMap<>();
    for (int i = 0; i < items; i++) {
      rowOfId.put(i, i);
      for (int f = 0; f < k; f++) {
        y[i][f] = (float) rnd.nextGaussian();
        flat[i * k + f] = y[i][f];
      }
    }
    for (Regularization reg : List.of(Regularization.mllib(0.3), new Regularization(true, 0.5, 0.2, 0.7))) {
      double[] g = new double[k * k];
      RowSolver.addGram(flat, items, k, g);
      float[] gram = new float[k * k];
      for (int i = 0; i < g.length; i++) {
        gram[i] = (float) (reg.unobservedWeight() * g[i]);
      }
      RowSolver solver = new RowSolver(k, gram, 1.5, reg.unobservedWeight());
      for (int trial = 0; trial < 20; trial++) {
        int n = 1 + rnd.nextInt(12);
        int[] cols = rnd.ints(0, items).distinct().limit(n).toArray();
        float[] r = new float[cols.length];
        double[] rd = new double[cols.length];
        for (int j = 0; j < cols.length; j++) {
          r[j] = 0.5f + rnd.nextInt(8) * 0.5f;
          rd[j] = r[j];
        }
        double[] expected = NaiveFoldIn.solve(y, rowOfId, cols, rd, 1.5, reg.unobservedWeight(),
            m -> reg.of(m, items));
        float[] exact = new float[k];
        solver.cholesky(flat, cols, r, 0, cols.length, reg.of(cols.length, items), exact, 0);
        float[] cg = new float[k];
        solver.conjugateGradient(flat, cols, r, 0, cols.length, reg.of(cols.length, items), cg, 0, 4 * k);
        for (int f = 0; f < k; f++) {
          assertEquals(expected[f], exact[f], 1e-4, reg.form() + " cholesky, trial " + trial + ", component " + f);
          assertEquals(expected[f], cg[f], 1e-4, reg.form() + " cg, trial " + trial + ", component " + f);
        }
      }
    }
  }

  /**
   * Two rows solved together take the same steps as each solved alone, to the bit, at ranks that use
   * the shared Gram pass and its remainder columns; with few and with many steps (rows then stop at
   * different steps).
   */
  @Test
  void pairedRowSolvesEqualSingleOnes() {
    Random rnd = new Random(5);
    int items = 300;
    for (int k : new int[] {70, 128}) {
      float[] flat = new float[items * k];
      for (int i = 0; i < flat.length; i++) {
        flat[i] = (float) (rnd.nextGaussian() * 0.3);
      }
      double[] g = new double[k * k];
      RowSolver.addGram(flat, items, k, g);
      float[] gram = new float[k * k];
      for (int i = 0; i < g.length; i++) {
        gram[i] = (float) g[i];
      }
      RowSolver solver = new RowSolver(k, gram, 2.0, 1.0);
      for (int steps : new int[] {3, 2 * k}) {
        int[] cols = rnd.ints(0, items).limit(60).toArray();
        float[] r = new float[cols.length];
        for (int j = 0; j < r.length; j++) {
          r[j] = rnd.nextInt(4) - 0.5f;
        }
        float[] start = new float[2 * k];
        for (int f = 0; f < start.length; f++) {
          start[f] = (float) rnd.nextGaussian();
        }
        float[] single = start.clone();
        solver.conjugateGradient(flat, cols, r, 0, 25, 3.0, single, 0, steps);
        solver.conjugateGradient(flat, cols, r, 25, 60, 5.0, single, k, steps);
        float[] paired = start.clone();
        solver.conjugateGradientPair(flat, cols, r, 0, 25, 3.0, 25, 60, 5.0, paired, 0, k, steps);
        assertArrayEquals(single, paired, "rank " + k + ", " + steps + " steps");
      }
    }
  }

  /** Every sweep lowers the objective (each row solve minimises its share with the rest fixed). */
  @Test
  void objectiveNeverIncreases() {
    for (boolean cholesky : new boolean[] {false, true}) {
      for (Regularization reg : List.of(Regularization.mllib(0.05), new Regularization(true, 2.0, 0.1, 0.5))) {
        AlsFit f = fit(settings(reg, cholesky, Long.MAX_VALUE, true));
        List<Double> losses = f.losses();
        assertEquals(10, losses.size());
        for (int i = 1; i < losses.size(); i++) {
          assertTrue(losses.get(i) <= losses.get(i - 1) * (1 + 1e-6),
              (cholesky ? "cholesky " : "cg ") + reg.form() + ": objective rose at sweep " + (i + 1) + ": " + losses);
        }
        f.release();
      }
    }
  }

  /** Same seed, same factors; and the broadcast and the block-wise shipping give the same bits. */
  @Test
  void deterministicAcrossRunsAndShippingModes() {
    AlsFit broadcast = fit(settings(Regularization.mllib(0.05), false, Long.MAX_VALUE, false));
    AlsFit again = fit(settings(Regularization.mllib(0.05), false, Long.MAX_VALUE, false));
    AlsFit shipped = fit(settings(Regularization.mllib(0.05), false, 0, false));
    Map<Integer, float[]> a = collect(broadcast.users());
    Map<Integer, float[]> b = collect(again.users());
    Map<Integer, float[]> c = collect(shipped.users());
    assertEquals(USERS, a.size());
    for (int u : a.keySet()) {
      assertArrayEquals(a.get(u), b.get(u), "user " + u + ", second run");
      assertArrayEquals(a.get(u), c.get(u), "user " + u + ", shipped block-wise");
    }
    Map<Integer, float[]> ia = collect(broadcast.items());
    Map<Integer, float[]> ic = collect(shipped.items());
    for (int i : ia.keySet()) {
      assertArrayEquals(ia.get(i), ic.get(i), "item " + i + ", shipped block-wise");
    }
    assertEquals(broadcast.finalLoss(), shipped.finalLoss(), 0);
    // The driver-side matrices (the nightly search's validation reads them): held on the driver within the
    // budget, collected from the factor table past it; ids not in the fit are left out, in both.
    int[] some = {-1, 0, 1, 3, 6, 6, 3 * (USERS - 1), 3 * USERS + 7}; // user ids are 3u
    for (FactorMatrix[] pair : List.of(new FactorMatrix[] {broadcast.userMatrix(some), shipped.userMatrix(some)},
        new FactorMatrix[] {broadcast.itemMatrix(), shipped.itemMatrix()})) {
      assertArrayEquals(pair[0].ids(), pair[1].ids());
      assertArrayEquals(pair[0].vectors(), pair[1].vectors());
    }
    assertArrayEquals(new int[] {0, 3, 6, 3 * (USERS - 1)}, broadcast.userMatrix(some).ids());
    assertArrayEquals(a.get(6), Arrays.copyOfRange(broadcast.userMatrix(some).vectors(), 2 * 8, 3 * 8));
    assertEquals(ia.size(), broadcast.itemMatrix().size());
    broadcast.release();
    again.release();
    shipped.release();
  }

  /**
   * A fit in one task is the distributed fit to the bit (factors and every sweep's objective), for both row
   * solvers and both regularisations, from random vectors and from given ones; the size threshold decides.
   */
  @Test
  void oneTaskFitEqualsDistributedFit() {
    long interactions = matrix.users().interactions();
    for (boolean cholesky : new boolean[] {false, true}) {
      for (Regularization reg : List.of(Regularization.mllib(0.05), new Regularization(true, 2.0, 0.1, 0.5))) {
        String what = (cholesky ? "cholesky " : "cg ") + reg.form();
        AlsFit distributed = fit(settings(reg, cholesky, Long.MAX_VALUE, true, interactions - 1));
        AlsFit oneTask = fit(settings(reg, cholesky, Long.MAX_VALUE, true, interactions));
        assertEquals(distributed.losses(), oneTask.losses(), what);
        assertSameFactors(distributed, oneTask, what);
        NativeAls.Settings warmSettings = settings(reg, cholesky, Long.MAX_VALUE, false, interactions);
        AlsFit warmOneTask = new NativeAls(spark, warmSettings).fit(matrix, distributed.users(), distributed.items(),
            null, "warm");
        AlsFit warmDistributed = new NativeAls(spark, settings(reg, cholesky, Long.MAX_VALUE, false))
            .fit(matrix, distributed.users(), distributed.items(), null, "warm");
        assertEquals(warmDistributed.finalLoss(), warmOneTask.finalLoss(), what + ", warm");
        assertSameFactors(warmDistributed, warmOneTask, what + ", warm");
        for (AlsFit f : List.of(distributed, oneTask, warmOneTask, warmDistributed)) {
          f.release();
        }
      }
    }
  }

  private static void assertSameFactors(AlsFit expected, AlsFit actual, String what) {
    for (boolean users : new boolean[] {true, false}) {
      Map<Integer, float[]> e = collect(users ? expected.users() : expected.items());
      Map<Integer, float[]> a = collect(users ? actual.users() : actual.items());
      assertEquals(e.keySet(), a.keySet(), what);
      for (int id : e.keySet()) {
        assertArrayEquals(e.get(id), a.get(id), what + (users ? ", user " : ", item ") + id);
      }
    }
    FactorMatrix e = expected.itemMatrix();
    FactorMatrix a = actual.itemMatrix();
    assertArrayEquals(e.ids(), a.ids(), what);
    assertArrayEquals(e.vectors(), a.vectors(), what);
  }

  /**
   * On MLlib's own objective, the native solve ends at or below ALS.fit's loss (at most 1% above), with
   * the same rank and sweeps; the objective itself is checked against a brute-force sum over every cell.
   */
  @Test
  void finalLossMatchesMllib() {
    Regularization reg = Regularization.mllib(0.05);
    ALSModel model = new ALS().setImplicitPrefs(true).setRank(8).setMaxIter(10).setRegParam(0.05).setAlpha(2.0)
        .setSeed(11L).setNumUserBlocks(2).setNumItemBlocks(2).setUserCol("user_idx").setItemCol("item_idx")
        .setRatingCol("rating").fit(ratings);
    NativeAls.Settings s = settings(reg, true, Long.MAX_VALUE, false);
    double mllib = new NativeAls(spark, s).loss(matrix, Factors.users(model), Factors.items(model));
    assertEquals(bruteForceLoss(collect(Factors.users(model)), collect(Factors.items(model)), 2.0, reg), mllib,
        1e-4 * mllib);
    AlsFit ours = fit(s);
    AlsFit cg = fit(settings(reg, false, Long.MAX_VALUE, false));
    assertTrue(ours.finalLoss() <= 1.01 * mllib, "native (cholesky) " + ours.finalLoss() + " vs ALS.fit " + mllib);
    assertTrue(cg.finalLoss() <= 1.01 * mllib, "native (cg) " + cg.finalLoss() + " vs ALS.fit " + mllib);
    assertEquals(bruteForceLoss(collect(ours.users()), collect(ours.items()), 2.0, reg), ours.finalLoss(),
        1e-4 * ours.finalLoss());
    ours.release();
    cg.release();
  }

  /** Σ over every (user, item) of the cell's weight times its squared error, plus λ·n·‖v‖² per row. */
  private static double bruteForceLoss(Map<Integer, float[]> users, Map<Integer, float[]> items, double alpha,
      Regularization reg) {
    Map<Long, Double> rating = new HashMap<>();
    Map<Integer, Integer> userCount = new HashMap<>();
    Map<Integer, Integer> itemCount = new HashMap<>();
    for (Row r : ratings.collectAsList()) {
      rating.put((long) r.getInt(0) << 32 | r.getInt(1), r.getDouble(2));
      userCount.merge(r.getInt(0), 1, Integer::sum);
      itemCount.merge(r.getInt(1), 1, Integer::sum);
    }
    double loss = 0;
    for (var u : users.entrySet()) {
      for (var i : items.entrySet()) {
        double prediction = 0;
        for (int f = 0; f < u.getValue().length; f++) {
          prediction += (double) u.getValue()[f] * i.getValue()[f];
        }
        Double r = rating.get((long) u.getKey() << 32 | i.getKey());
        double weight = r == null ? reg.unobservedWeight() : 1 + alpha * r;
        double error = (r == null ? 0 : 1) - prediction;
        loss += weight * error * error;
      }
      loss += reg.of(userCount.get(u.getKey()), items.size()) * squaredNorm(u.getValue());
    }
    for (var i : items.entrySet()) {
      loss += reg.of(itemCount.get(i.getKey()), users.size()) * squaredNorm(i.getValue());
    }
    return loss;
  }

  private static double squaredNorm(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    return sum;
  }

  /** A warm start from a fit's own factors begins where that fit ended. */
  @Test
  void warmStartContinuesFromGivenFactors() {
    NativeAls.Settings s = settings(Regularization.mllib(0.05), false, Long.MAX_VALUE, true);
    AlsFit cold = fit(s);
    NativeAls.Settings one = new NativeAls.Settings(8, 1, 2.0, Regularization.mllib(0.05), false, 3, 11L,
        Long.MAX_VALUE, 0, 4, NativeAls.Objective.EACH_SWEEP);
    AlsFit warm = new NativeAls(spark, one).fit(matrix, cold.users(), cold.items(), new Progress(spark, "test"), "warm");
    assertTrue(warm.finalLoss() <= cold.finalLoss() * (1 + 1e-6), warm.finalLoss() + " vs " + cold.finalLoss());
    AlsFit coldOne = new NativeAls(spark, one).fit(matrix, null, null, new Progress(spark, "test"), "cold one");
    assertTrue(warm.finalLoss() < coldOne.finalLoss(), "one warm sweep " + warm.finalLoss() + " vs one cold sweep "
        + coldOne.finalLoss());
    cold.release();
    warm.release();
    coldOne.release();
  }
}
