package io.recsysnightly.knn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.testing.SharedSpark;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Starter lists against brute force: segment means scored over all items, and category lists by hand. */
class StarterListsTest {
  private static final StructType USERS = new StructType()
      .add("user_idx", DataTypes.IntegerType, false)
      .add("segment", DataTypes.StringType, true)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false);
  private static final StructType ITEM_VECTORS = new StructType()
      .add("item_idx", DataTypes.IntegerType, false)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("source", DataTypes.StringType, false);
  private static final StructType ITEMS = new StructType()
      .add("item_idx", DataTypes.IntegerType, false)
      .add("category", DataTypes.StringType, true)
      .add("popularity", DataTypes.LongType, true);

  private final SparkSession spark = SharedSpark.get();

  @ParameterizedTest
  @EnumSource(Scoring.class)
  void segmentListsEqualBruteForceOnTheSegmentMeans(Scoring scoring) {
    Random random = new Random(11);
    int rank = 5;
    String[] segments = {"north", "south", "east", null};
    List<Row> users = new ArrayList<>();
    Map<String, List<float[]>> bySegment = new LinkedHashMap<>();
    for (int u = 0; u < 60; u++) {
      String segment = segments[u % segments.length];
      float[] v = gaussian(random, rank, 1 + u % 3);
      users.add(RowFactory.create(u, segment, v));
      if (segment != null) {
        bySegment.computeIfAbsent(segment, s -> new ArrayList<>()).add(v);
      }
      bySegment.computeIfAbsent(StarterLists.ALL, s -> new ArrayList<>()).add(v);
    }
    List<Row> items = new ArrayList<>();
    Map<Integer, float[]> itemVectors = new HashMap<>();
    for (int i = 0; i < 90; i++) {
      float[] v = gaussian(random, rank, 1 + 4 * (i % 5)); // long and short vectors: dot and cosine differ
      itemVectors.put(3 * i, v);
      items.add(RowFactory.create(3 * i, v, "als"));
    }
    Set<Integer> excluded = Set.of(0, 30, 99);
    int n = 15;
    Dataset<Row> itemSide = scoring.items(spark.createDataFrame(items, ITEM_VECTORS).select("item_idx", "vector"));
    ItemSide side = ItemSide.exact(FactorMatrix.collect(itemSide, "item_idx"), excluded);
    Dataset<Row> lists = StarterLists.segmentLists(StarterLists.segmentMeans(spark.createDataFrame(users, USERS)),
        side, new BlockedTopN(n, 7));

    Map<String, List<Row>> got = new HashMap<>();
    for (Row r : lists.collectAsList()) {
      got.put(r.getString(0), r.getList(1));
    }
    assertEquals(bySegment.keySet(), got.keySet(), "one list per segment with users, plus " + StarterLists.ALL);
    for (Map.Entry<String, List<float[]>> e : bySegment.entrySet()) {
      double[] mean = new double[rank];
      for (float[] v : e.getValue()) {
        for (int f = 0; f < rank; f++) {
          mean[f] += v[f] / (double) e.getValue().size();
        }
      }
      List<double[]> brute = new ArrayList<>(); // {item, score}
      for (Map.Entry<Integer, float[]> item : itemVectors.entrySet()) {
        if (!excluded.contains(item.getKey())) {
          brute.add(new double[] {item.getKey(), score(mean, item.getValue(), scoring)});
        }
      }
      brute.sort((a, b) -> a[1] != b[1] ? Double.compare(b[1], a[1]) : Double.compare(a[0], b[0]));
      List<Row> list = got.get(e.getKey());
      assertEquals(n, list.size(), e.getKey());
      for (int p = 0; p < n; p++) {
        assertEquals(brute.get(p)[1], list.get(p).getFloat(1), 1e-4 * Math.max(1, Math.abs(brute.get(p)[1])),
            e.getKey() + " position " + p);
        if (p + 1 < brute.size() && brute.get(p)[1] - brute.get(p + 1)[1] > 1e-4) {
          assertEquals((int) brute.get(p)[0], list.get(p).getInt(0), e.getKey() + " position " + p);
        }
      }
    }
  }

  /**
   * Hand-worked: category "a" has centroid (1, 0) from its two trained items; scores are
   * ln(1 + popularity) times the cosine with it, clipped at 0; unpopular and excluded items drop out.
   */
  @Test
  void categoryListsArePopularAndRelevantItemsOfTheCategory() {
    List<Row> vectors = List.of(
        RowFactory.create(1, new float[] {1, 1}, "als"),   // cos 1/sqrt2 with (1, 0)
        RowFactory.create(2, new float[] {1, -1}, "als"),  // cos 1/sqrt2
        RowFactory.create(3, new float[] {0, 5}, "category_mean"), // cos 0: scores 0, left out
        RowFactory.create(4, new float[] {3, 0}, "category_mean"), // cos 1
        RowFactory.create(5, new float[] {2, 0}, "category_mean"), // excluded
        RowFactory.create(6, new float[] {-1, 0}, "als"),  // category b alone: its own centroid, cos 1
        RowFactory.create(7, new float[] {1, 0}, "als"));  // no popularity: left out
    List<Row> items = List.of(
        RowFactory.create(1, "a", 3L), RowFactory.create(2, "a", 7L), RowFactory.create(3, "a", 100L),
        RowFactory.create(4, "a", 1L), RowFactory.create(5, "a", 50L), RowFactory.create(6, "b", 2L),
        RowFactory.create(7, "a", null));
    Map<String, List<Row>> got = new HashMap<>();
    for (Row r : StarterLists.categoryLists(spark.createDataFrame(items, ITEMS),
        spark.createDataFrame(vectors, ITEM_VECTORS), "als", Set.of(5), 10).collectAsList()) {
      got.put(r.getString(0), r.getList(1));
    }
    double c = 1 / Math.sqrt(2);
    List<double[]> a = List.of(new double[] {2, Math.log(8) * c}, new double[] {1, Math.log(4) * c},
        new double[] {4, Math.log(2)});
    assertEquals(a.size(), got.get("a").size(), got.toString());
    for (int p = 0; p < a.size(); p++) {
      Row e = got.get("a").get(p);
      assertEquals((int) a.get(p)[0], e.getInt(0));
      assertEquals(a.get(p)[1], e.getFloat(1), 1e-6);
      assertEquals(p + 1, e.getInt(2));
    }
    assertEquals(1, got.get("b").size());
    assertEquals(6, got.get("b").get(0).getInt(0));
    assertEquals(Math.log(3), got.get("b").get(0).getFloat(1), 1e-6);
  }

  @Test
  void usersWithoutASegmentListGetTheListForAll() {
    StructType listSchema = new StructType().add("segment", DataTypes.StringType).add("recs", DataTypes.StringType);
    Dataset<Row> lists = spark.createDataFrame(List.of(RowFactory.create("north", "N"),
        RowFactory.create(StarterLists.ALL, "ALL")), listSchema);
    StructType userSchema = new StructType().add("user_idx", DataTypes.IntegerType).add("segment", DataTypes.StringType);
    Dataset<Row> users = spark.createDataFrame(List.of(RowFactory.create(1, "north"), RowFactory.create(2, "west"),
        RowFactory.create(3, null)), userSchema);
    Map<Integer, String> got = new HashMap<>();
    for (Row r : StarterLists.listFor(users, lists).collectAsList()) {
      got.put(r.getInt(0), r.getString(1));
    }
    assertEquals(Map.of(1, "N", 2, "ALL", 3, "ALL"), got);
  }

  private static double score(double[] query, float[] item, Scoring scoring) {
    double dot = 0;
    double norm = 0;
    for (int f = 0; f < query.length; f++) {
      dot += query[f] * item[f];
      norm += (double) item[f] * item[f];
    }
    return scoring == Scoring.COSINE ? dot / Math.sqrt(norm) : dot;
  }

  private static float[] gaussian(Random random, int rank, double scale) {
    float[] v = new float[rank];
    for (int f = 0; f < rank; f++) {
      v[f] = (float) (random.nextGaussian() * scale);
    }
    return v;
  }
}
