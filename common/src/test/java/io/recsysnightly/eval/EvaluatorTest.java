package io.recsysnightly.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recsysnightly.knn.BlockedTopN;
import io.recsysnightly.spark.ScalaSeqs;
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

/**
 * {@link Evaluator} on hand-built lists; the expected averages are worked out in the comments.
 *
 * <pre>
 * recs (best first)          holdout      notes
 * user 1: [5, 1, 9, 3]       {1, 3, 7}    item 3 is relevant but at rank 4
 * user 2: [2, 5]             {2}          shorter than K; shares item 5 with user 1
 * user 3: (no row)           {6, 8}       a holdout user without a list: scores 0
 * user 4: [0, 7, 8]          (none)       not evaluated, its items do not count for coverage
 * user 5: []                 {3}          an empty list: scores 0
 * catalogue: 10 items
 * </pre>
 */
class EvaluatorTest {
  private static final double EPS = 1e-9;

  private static final StructType HOLDOUT = new StructType()
      .add("user_idx", DataTypes.IntegerType, false)
      .add("item_idx", DataTypes.IntegerType, false);

  private static SparkSession spark;

  @BeforeAll
  static void session() {
    spark = SharedSpark.get();
  }


  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  private static Row recsRow(int user, int... items) {
    List<Row> entries = new ArrayList<>();
    for (int p = 0; p < items.length; p++) {
      entries.add(RowFactory.create(items[p], (float) (10 - p), p + 1));
    }
    return RowFactory.create(user, ScalaSeqs.seq(entries));
  }

  private static Dataset<Row> recs() {
    return spark.createDataFrame(List.of(
        recsRow(1, 5, 1, 9, 3),
        recsRow(2, 2, 5),
        recsRow(4, 0, 7, 8),
        recsRow(5)), BlockedTopN.OUTPUT);
  }

  private static Dataset<Row> holdout() {
    int[][] pairs = {{1, 1}, {1, 3}, {1, 7}, {2, 2}, {3, 6}, {3, 8}, {5, 3}};
    List<Row> rows = new ArrayList<>();
    for (int[] p : pairs) {
      rows.add(RowFactory.create(p[0], p[1]));
    }
    return spark.createDataFrame(rows, HOLDOUT);
  }

  @Test
  void averagesAtK3() {
    // K = 3.
    // user 1: top [5, 1, 9], rel {1, 3, 7}: hit at rank 2.
    //   P = 1/3, R = 1/3, DCG = 1/log2 3, IDCG = 1 + 1/log2 3 + 1/2 (min(3, 3) = 3), AP = (1/2)/3 = 1/6, hit 1
    // user 2: top [2, 5], rel {2}: hit at rank 1.
    //   P = 1/3, R = 1, NDCG = 1/1 = 1, AP = (1/1)/1 = 1, hit 1
    // user 3: no list -> 0, 0, 0, 0, 0; user 5: empty list -> 0, 0, 0, 0, 0; user 4: not evaluated.
    // Averages over 4 users:
    //   precision = (1/3 + 1/3) / 4 = 1/6
    //   recall    = (1/3 + 1) / 4 = 1/3
    //   ndcg      = ((1/log2 3) / (1 + 1/log2 3 + 1/2) + 1) / 4 = (0.29608 + 1) / 4 = 0.32402
    //   map       = (1/6 + 1) / 4 = 7/24
    //   hit_rate  = 2/4
    // coverage: top-3 items of evaluated users {5, 1, 9} u {2, 5} = 4 distinct / 10 = 0.4
    //   (item 3 is beyond K for user 1; user 4's 0, 7, 8 are not counted).
    Map<String, Double> m = Evaluator.evaluate(recs(), holdout(), 3, 10);
    double ndcg1 = (1 / log2(3)) / (1 + 1 / log2(3) + 0.5);
    assertEquals(List.of("precision@3", "recall@3", "ndcg@3", "map@3", "hit_rate@3", "coverage@3", "users_evaluated"),
        new ArrayList<>(m.keySet()));
    assertEquals(1.0 / 6, m.get("precision@3"), EPS);
    assertEquals(1.0 / 3, m.get("recall@3"), EPS);
    assertEquals((ndcg1 + 1) / 4, m.get("ndcg@3"), EPS);
    assertEquals(0.32402, m.get("ndcg@3"), 1e-5);
    assertEquals(7.0 / 24, m.get("map@3"), EPS);
    assertEquals(0.5, m.get("hit_rate@3"), EPS);
    assertEquals(0.4, m.get("coverage@3"), EPS);
    assertEquals(4.0, m.get("users_evaluated"), EPS);
  }

  @Test
  void averagesAtK2() {
    // K = 2.
    // user 1: top [5, 1]: hit at rank 2. P = 1/2, R = 1/3, NDCG = (1/log2 3) / (1 + 1/log2 3), AP = (1/2)/2 = 1/4
    // user 2: top [2, 5]: hit at rank 1. P = 1/2, R = 1, NDCG = 1, AP = 1
    // users 3, 5: 0.
    //   precision = (1/2 + 1/2) / 4 = 1/4; recall = (1/3 + 1) / 4 = 1/3
    //   ndcg = (0.38685 + 1) / 4 = 0.34671; map = (1/4 + 1) / 4 = 5/16; hit_rate = 1/2
    // coverage: {5, 1} u {2, 5} = 3 / 10
    Map<String, Double> m = Evaluator.evaluate(recs(), holdout(), 2, 10);
    assertEquals(0.25, m.get("precision@2"), EPS);
    assertEquals(1.0 / 3, m.get("recall@2"), EPS);
    assertEquals(((1 / log2(3)) / (1 + 1 / log2(3)) + 1) / 4, m.get("ndcg@2"), EPS);
    assertEquals(0.34671, m.get("ndcg@2"), 1e-5);
    assertEquals(5.0 / 16, m.get("map@2"), EPS);
    assertEquals(0.5, m.get("hit_rate@2"), EPS);
    assertEquals(0.3, m.get("coverage@2"), EPS);
    assertEquals(4.0, m.get("users_evaluated"), EPS);
  }

  @Test
  void emptyHoldoutGivesZeros() {
    Map<String, Double> m = Evaluator.evaluate(recs(), spark.createDataFrame(List.of(), HOLDOUT), 3, 10);
    for (String name : Evaluator.names(3)) {
      assertEquals(0.0, m.get(name), 0.0, name);
    }
    assertEquals(0.0, m.get("users_evaluated"), 0.0);
  }

  @Test
  void namesInOrder() {
    assertEquals(List.of("precision@5", "recall@5", "ndcg@5", "map@5", "hit_rate@5", "coverage@5"),
        Evaluator.names(5));
  }
}
