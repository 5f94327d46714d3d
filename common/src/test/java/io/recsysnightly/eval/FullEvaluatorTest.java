package io.recsysnightly.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recsysnightly.knn.BlockedTopN;
import io.recsysnightly.testing.SharedSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@link FullEvaluator} on a hand-built case; every expected figure is worked out in the comments.
 *
 * <pre>
 * items 0..5, categories A A B B C C, training popularity 4 3 2 1 0 0 of 4 training users
 * user  list (best first)  holdout   segment  n_train (cold < 3 <= light < 5 <= heavy)
 * 1     [0, 2]             {2, 4}    s1       2 cold
 * 2     [1, 0]             {1}       s1       4 light
 * 3     (none)             {5}       s2       6 heavy
 * 4     [3, 1]             (none)    s2       1       skipped, counted, not in coverage
 * K = 1, 2; the focus K is 2
 * </pre>
 */
class FullEvaluatorTest {
  private static final double EPS = 1e-9;
  private static final double L3 = 1 / (Math.log(3) / Math.log(2)); // 1/log2(3) = 0.63093
  private static SparkSession spark;
  private static Map<String, Double> m;
  private static Map<String, Object> d;
  private static Map<String, ModelEvaluation> both;

  @BeforeAll
  static void evaluate() {
    spark = SharedSpark.get();
    Dataset<Row> recs = spark.createDataFrame(List.of(recsRow(1, 0, 2), recsRow(2, 1, 0), recsRow(4, 3, 1)),
        BlockedTopN.OUTPUT);
    StructType pair = new StructType().add("user_idx", DataTypes.IntegerType).add("item_idx", DataTypes.IntegerType);
    Dataset<Row> holdout = spark.createDataFrame(List.of(RowFactory.create(1, 2), RowFactory.create(1, 4),
        RowFactory.create(2, 1), RowFactory.create(3, 5)), pair);
    StructType userSchema = new StructType().add("user_idx", DataTypes.IntegerType)
        .add("segment", DataTypes.StringType).add("n_train", DataTypes.LongType);
    Dataset<Row> users = spark.createDataFrame(List.of(RowFactory.create(1, "s1", 2L), RowFactory.create(2, "s1", 4L),
        RowFactory.create(3, "s2", 6L), RowFactory.create(4, "s2", 1L)), userSchema);
    ItemInfo items = new ItemInfo(new int[] {0, 0, 1, 1, 2, 2}, new String[] {"A", "B", "C"},
        new long[] {4, 3, 2, 1, 0, 0}, new boolean[] {true, true, true, true, true, true}, 6, 4);
    ModelEvaluation e = new FullEvaluator(new EvalSpec(List.of(1), 2, 3, 5)).evaluate(recs, true, holdout, users, items);
    m = e.metrics();
    d = e.details();
    // A second model, evaluated in one pass with the first: u1 [2, 4] (two hits), u2 [0, 1] (a hit at rank 2);
    // no list for u3 or u4, so nothing of B is skipped.
    Dataset<Row> recsB = spark.createDataFrame(List.of(recsRow(1, 2, 4), recsRow(2, 0, 1)), BlockedTopN.OUTPUT);
    Map<String, Dataset<Row>> lists = new java.util.LinkedHashMap<>();
    lists.put("A", recs);
    lists.put("B", recsB);
    both = new FullEvaluator(new EvalSpec(List.of(1), 2, 3, 5)).evaluateAll(lists, java.util.Set.of("A", "B"),
        holdout, users, items);
  }

  private static Row recsRow(int user, int... items) {
    List<Row> entries = new ArrayList<>();
    for (int p = 0; p < items.length; p++) {
      entries.add(RowFactory.create(items[p], (float) (10 - p), p + 1));
    }
    return RowFactory.create(user, CollectionConverters.asScala(entries).toSeq());
  }

  @Test
  void rankingMetricsAtK1() {
    // u1 [0] misses; u2 [1] hits (1, 1, 1, 1, 1); u3 has no list: zeros. Averages over 3 users.
    assertEquals(1.0 / 3, m.get("precision@1"), EPS);
    assertEquals(1.0 / 3, m.get("recall@1"), EPS);
    assertEquals(1.0 / 3, m.get("ndcg@1"), EPS);
    assertEquals(1.0 / 3, m.get("map@1"), EPS);
    assertEquals(1.0 / 3, m.get("hit_rate@1"), EPS);
  }

  @Test
  void rankingMetricsAtK2() {
    // u1 [0, 2] vs {2, 4}: hit at rank 2: P 1/2, R 1/2, NDCG L3/(1+L3), AP (1/2)/2; u2 [1, 0] vs {1}: P 1/2, R 1,
    // NDCG 1, AP 1; u3: 0.
    assertEquals(1.0 / 3, m.get("precision@2"), EPS);
    assertEquals(0.5, m.get("recall@2"), EPS);
    assertEquals((L3 / (1 + L3) + 1) / 3, m.get("ndcg@2"), EPS);
    assertEquals(0.46228, m.get("ndcg@2"), 1e-5);
    assertEquals((0.25 + 1) / 3, m.get("map@2"), EPS);
    assertEquals(2.0 / 3, m.get("hit_rate@2"), EPS);
  }

  @Test
  void usersEvaluatedAndSkipped() {
    assertEquals(3.0, m.get("users_evaluated"), EPS);
    assertEquals(1.0, m.get("users_skipped_no_holdout"), EPS);
  }

  @Test
  void coverageAndGiniCountOnlyEvaluatedUsers() {
    // K=1: {0, 1} -> 2/6; exposure [1,1,0,0,0,0] sorted [0,0,0,0,1,1]: (3*1 + 5*1) / (6*2) = 2/3.
    // K=2: {0, 2, 1} -> 3/6; exposure [2,1,1,0,0,0] sorted [0,0,0,1,1,2]: (1 + 3 + 5*2) / (6*4) = 14/24.
    assertEquals(2.0 / 6, m.get("coverage@1"), EPS);
    assertEquals(0.5, m.get("coverage@2"), EPS);
    assertEquals(2.0 / 3, m.get("gini@1"), EPS);
    assertEquals(14.0 / 24, m.get("gini@2"), EPS);
  }

  @Test
  void diversityAndPopularityBias() {
    // Diversity = distinct categories / list length, users without a list not averaged:
    // K=1: 1 and 1 -> 1; K=2: u1 {A, B} 2/2, u2 {A, A} 1/2 -> 0.75.
    assertEquals(1.0, m.get("diversity@1"), EPS);
    assertEquals(0.75, m.get("diversity@2"), EPS);
    // Popularity as a share of the 4 training users: items 1, .75, .5, .25, 0, 0.
    // Recommended K=1: u1 1, u2 .75 -> .875; K=2: u1 (1+.5)/2, u2 (.75+1)/2 -> .8125.
    // Held out: u1 (.5+0)/2, u2 .75, u3 0 -> 1/3.
    assertEquals(0.875, m.get("popularity_of_recommended@1"), EPS);
    assertEquals(0.8125, m.get("popularity_of_recommended@2"), EPS);
    assertEquals(1.0 / 3, m.get("popularity_of_holdout"), EPS);
  }

  @Test
  @SuppressWarnings("unchecked")
  void ndcgBySegmentAndActivity() {
    Map<String, Map<String, Object>> seg = (Map<String, Map<String, Object>>) d.get("by_segment");
    assertEquals((L3 / (1 + L3) + 1) / 2, (Double) seg.get("s1").get("ndcg"), EPS);
    assertEquals(2L, seg.get("s1").get("users"));
    assertEquals(0.0, (Double) seg.get("s2").get("ndcg"), EPS);
    assertEquals(1L, seg.get("s2").get("users"));
    Map<String, Map<String, Object>> act = (Map<String, Map<String, Object>>) d.get("by_activity");
    assertEquals(L3 / (1 + L3), (Double) act.get("cold").get("ndcg"), EPS);
    assertEquals(1.0, (Double) act.get("light").get("ndcg"), EPS);
    assertEquals(0.0, (Double) act.get("heavy").get("ndcg"), EPS);
  }

  @Test
  @SuppressWarnings("unchecked")
  void distributionsForTheReport() {
    Map<String, Double> byCategory = (Map<String, Double>) d.get("coverage_by_category");
    assertEquals(Map.of("A", 1.0, "B", 0.5, "C", 0.0), byCategory);
    // 6 items -> 6 bins of one item, by popularity: 0, 1, 2, 3, 4, 5 (4 and 5 tie: by index).
    List<double[]> tail = (List<double[]>) d.get("long_tail");
    double[] rec = tail.stream().mapToDouble(r -> r[1]).toArray();
    double[] hold = tail.stream().mapToDouble(r -> r[2]).toArray();
    assertArrayEquals(new double[] {0.5, 0.25, 0.25, 0, 0, 0}, rec, EPS);
    assertArrayEquals(new double[] {0, 0.25, 0.25, 0, 0.25, 0.25}, hold, EPS);
    // Scores in the evaluated users' top-2: 10, 9, 10, 9 -> bins 19 and 0 of 20 between 9 and 10.
    Map<String, Object> hist = (Map<String, Object>) d.get("score_histogram");
    long[] counts = (long[]) hist.get("counts");
    assertEquals(2, counts[0]);
    assertEquals(2, counts[19]);
    assertEquals(4, java.util.Arrays.stream(counts).sum());
  }

  @Test
  void modelsEvaluatedInOnePassDoNotMix() {
    assertEquals(List.of("A", "B"), List.copyOf(both.keySet()));
    assertEquals(m, both.get("A").metrics());
    assertEquals(d.get("by_segment"), both.get("A").details().get("by_segment"));
    Map<String, Double> b = both.get("B").metrics();
    // NDCG@1: u1 hit, u2 miss, u3 no list -> 1/3; NDCG@2: u1 1, u2 L3 (one relevant item: IDCG 1), u3 0.
    assertEquals(1.0 / 3, b.get("ndcg@1"), EPS);
    assertEquals((1 + L3) / 3, b.get("ndcg@2"), EPS);
    assertEquals((1 + 0.5) / 3, b.get("precision@2"), EPS);
    assertEquals(3.0, b.get("users_evaluated"), EPS);
    assertEquals(0.0, b.get("users_skipped_no_holdout"), EPS);
    // Top-2 exposure {2, 4, 0, 1} of 6 catalogue items.
    assertEquals(4.0 / 6, b.get("coverage@2"), EPS);
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> seg = (Map<String, Map<String, Object>>) both.get("B").details().get("by_segment");
    assertEquals((1 + L3) / 2, (Double) seg.get("s1").get("ndcg"), EPS);
    assertEquals(0.0, (Double) seg.get("s2").get("ndcg"), EPS);
  }

  @Test
  void giniEdgeCases() {
    assertEquals(0.0, ExposureStats.gini(new long[] {3, 3, 3}), EPS);
    assertEquals(0.75, ExposureStats.gini(new long[] {0, 0, 0, 7}), EPS);
    assertEquals(0.0, ExposureStats.gini(new long[] {0, 0}), EPS);
  }
}
