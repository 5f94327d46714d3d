package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sort_array;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recsysnightly.knn.BlockedTopN;
import io.recsysnightly.testing.SharedSpark;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The baselines through the exact top-N kernel against brute-force loops over a small matrix. */
class BaselinesTest {
  private static final long DAY_MICROS = 86_400_000_000L;
  private static final long NOW = 1_600_000_000_000_000L;
  /** user -> items seen, and each pair's age in days. */
  private static final int[][] PAIRS = {{0, 0, 1}, {0, 1, 10}, {1, 0, 3}, {1, 2, 30}, {2, 1, 2}, {2, 2, 5},
      {2, 3, 100}, {3, 0, 7}, {4, 3, 1}, {4, 4, 60}};
  private static SparkSession spark;
  private static Dataset<Row> train;
  private static Dataset<Row> users;

  @BeforeAll
  static void data() {
    spark = SharedSpark.get();
    StructType schema = new StructType().add("user_idx", DataTypes.IntegerType).add("item_idx", DataTypes.IntegerType)
        .add("last_ts", DataTypes.TimestampType);
    List<Row> rows = new ArrayList<>();
    for (int[] p : PAIRS) {
      rows.add(RowFactory.create(p[0], p[1], new Timestamp((NOW - p[2] * DAY_MICROS) / 1000)));
    }
    train = spark.createDataFrame(rows, schema);
    users = train.groupBy("user_idx").agg(sort_array(collect_list("item_idx")).as("seen"));
  }

  /** user -> (item -> score) of the kernel's full ranking (n = all items). */
  private static Map<Integer, Map<Integer, Float>> ranked(Baselines.Scoring s) {
    Map<Integer, Map<Integer, Float>> out = new HashMap<>();
    for (Row r : new BlockedTopN(10, 2).run(s.queries(), s.items(), java.util.Set.of()).collectAsList()) {
      Map<Integer, Float> scores = new TreeMap<>();
      float previous = Float.POSITIVE_INFINITY;
      for (Row e : r.<Row>getList(1)) {
        scores.put(e.getInt(0), e.getFloat(1));
        assertEquals(true, e.getFloat(1) <= previous, "scores non-increasing");
        previous = e.getFloat(1);
      }
      out.put(r.getInt(0), scores);
    }
    return out;
  }

  private static Map<Integer, List<Integer>> seen() {
    Map<Integer, List<Integer>> seen = new HashMap<>();
    for (int[] p : PAIRS) {
      seen.computeIfAbsent(p[0], u -> new ArrayList<>()).add(p[1]);
    }
    return seen;
  }

  @Test
  void itemKnnFloatsCountOnlyItemsWithTrainingPairs() {
    // 4 training users; items 0 and 2 have pairs, item 1 (in the catalogue, never seen) does not: 4 x 2 floats.
    ItemInfo info = new ItemInfo(new int[] {0, 0, 0}, new String[] {"A"}, new long[] {3, 0, 2},
        new boolean[] {true, true, true}, 3, 4);
    assertEquals(8, Baselines.itemKnnFloats(info));
  }

  @Test
  void itemKnnIsTheSumOfCosinesToTheSeenItems() {
    Map<Integer, List<Integer>> seen = seen();
    Map<Integer, List<Integer>> usersOf = new HashMap<>();
    for (int[] p : PAIRS) {
      usersOf.computeIfAbsent(p[1], i -> new ArrayList<>()).add(p[0]);
    }
    Map<Integer, Map<Integer, Float>> got = ranked(Baselines.itemKnn(train, users));
    assertEquals(5, got.size());
    for (int u : seen.keySet()) {
      Map<Integer, Float> expected = new TreeMap<>();
      for (int i : usersOf.keySet()) {
        if (seen.get(u).contains(i)) {
          continue;
        }
        double score = 0;
        for (int j : seen.get(u)) {
          List<Integer> common = new ArrayList<>(usersOf.get(i));
          common.retainAll(usersOf.get(j));
          score += common.size() / Math.sqrt((double) usersOf.get(i).size() * usersOf.get(j).size());
        }
        expected.put(i, (float) score);
      }
      assertEquals(expected.keySet(), got.get(u).keySet(), "unseen items of user " + u);
      for (int i : expected.keySet()) {
        assertEquals(expected.get(i), got.get(u).get(i), 1e-5, "user " + u + " item " + i);
      }
    }
    // A spot check by hand: user 3 saw item 0 (users {0, 1, 3}); item 2 (users {1, 2}) shares user 1:
    // cos = 1 / sqrt(3 * 2) = 0.40825.
    assertEquals(0.40825, got.get(3).get(2), 1e-5);
  }

  @Test
  void popularityCountsAndDecayedPopularityWeighsByAge() {
    Map<Integer, List<Integer>> seen = seen();
    double halfLife = 10;
    Map<Integer, Double> plain = new HashMap<>();
    Map<Integer, Double> decayed = new HashMap<>();
    for (int[] p : PAIRS) {
      plain.merge(p[1], 1.0, Double::sum);
      decayed.merge(p[1], Math.pow(2, -p[2] / halfLife), Double::sum);
    }
    Map<Integer, Map<Integer, Float>> gotPlain = ranked(Baselines.popularity(train, users, 0, NOW));
    Map<Integer, Map<Integer, Float>> gotDecayed = ranked(Baselines.popularity(train, users, halfLife, NOW));
    for (int u : seen.keySet()) {
      for (int i : plain.keySet()) {
        if (!seen.get(u).contains(i)) {
          assertEquals(plain.get(i), gotPlain.get(u).get(i), 1e-6, "plain, user " + u + " item " + i);
          assertEquals(decayed.get(i), gotDecayed.get(u).get(i), 1e-5, "decayed, user " + u + " item " + i);
        }
      }
    }
    // Hand check: item 0 has pairs aged 1, 3 and 7 days: 2^-0.1 + 2^-0.3 + 2^-0.7 = 0.93303 + 0.81225 + 0.61557.
    assertEquals(2.36085, gotDecayed.get(2).get(0), 1e-4);
    // Items 2 and 3 both have 2 pairs; decayed, item 3 (ages 100, 1: 0.93403) outranks item 2 (30, 5: 0.83211).
    assertEquals(0.93403, gotDecayed.get(3).get(3), 1e-4);
    assertEquals(0.83211, gotDecayed.get(3).get(2), 1e-4);
  }

  @Test
  void popularityListsAreTheKernelsListsOnThePopularityVectors() {
    Dataset<Row> cold = users.select(col("user_idx"),
        lit(null).cast(DataTypes.createArrayType(DataTypes.IntegerType)).as("seen"));
    for (double halfLife : new double[] {0, 10}) {
      for (Dataset<Row> who : List.of(users, cold)) {
        Baselines.Scoring s = Baselines.popularity(train, who, halfLife, NOW);
        // n = 3 cuts through the tie of items 1, 2 and 3 (two pairs each) in the plain counts.
        Map<Integer, String> kernel = lists(new BlockedTopN(3, 2).run(s.queries(), s.items(), java.util.Set.of()));
        // From the item info's pair counts and decayed weights (an unseen catalogue item at index 9, count 0,
        // stays out).
        ItemInfo info = ItemInfo.load(train.select(col("item_idx"), lit("c").as("category")).distinct(), train,
            Baselines.decayWeight(halfLife, NOW));
        long[] counts = java.util.Arrays.copyOf(info.popularity(), 10);
        float[] weights = java.util.Arrays.copyOf(info.weightedPopularity(), 10);
        Map<Integer, String> direct = lists(Baselines.popularityLists(counts, weights, who, 3));
        assertEquals(kernel, direct, "half-life " + halfLife);
        assertEquals(5, direct.size());
        if (halfLife == 0) {
          assertEquals(kernel, lists(Baselines.popularityLists(counts, who, 3)), "from pair counts");
        }
      }
    }
  }

  /** user -> "item:score:rank ..." of each list. */
  private static Map<Integer, String> lists(Dataset<Row> lists) {
    Map<Integer, String> out = new TreeMap<>();
    for (Row r : lists.collectAsList()) {
      StringBuilder text = new StringBuilder();
      for (Row e : r.<Row>getList(1)) {
        text.append(e.getInt(0)).append(':').append(e.getFloat(1)).append(':').append(e.getInt(2)).append(' ');
      }
      out.put(r.getInt(0), text.toString());
    }
    return out;
  }
}
