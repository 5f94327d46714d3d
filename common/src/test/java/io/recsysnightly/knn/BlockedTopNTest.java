package io.recsysnightly.knn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.spark.ScalaSeqs;
import io.recsysnightly.testing.SharedSpark;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link BlockedTopN} over small Datasets, each query checked against a brute-force ranking. */
class BlockedTopNTest {
  private static final double TOL = 1e-4;

  private static final StructType QUERIES = new StructType()
      .add("query_idx", DataTypes.IntegerType, false)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("seen", DataTypes.createArrayType(DataTypes.IntegerType, false), true);

  private static final StructType ITEMS = new StructType()
      .add("item_idx", DataTypes.IntegerType, false)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false);

  private static SparkSession spark;

  @BeforeAll
  static void session() {
    spark = SharedSpark.get();
  }


  private static List<Float> vector(float[] v) {
    List<Float> out = new ArrayList<>();
    for (float x : v) {
      out.add(x);
    }
    return out;
  }

  private static float[] gaussian(Random rnd, int rank) {
    float[] v = new float[rank];
    for (int f = 0; f < rank; f++) {
      v[f] = (float) rnd.nextGaussian();
    }
    return v;
  }

  private record Scored(int id, double score) {}

  /** Every eligible item for a query, double-precision scores, sorted by score desc then id asc. */
  private static List<Scored> bruteForce(float[] query, Map<Integer, float[]> items, Set<Integer> seen,
      Set<Integer> excluded) {
    List<Scored> out = new ArrayList<>();
    for (Map.Entry<Integer, float[]> e : items.entrySet()) {
      if (seen.contains(e.getKey()) || excluded.contains(e.getKey())) {
        continue;
      }
      double dot = 0;
      for (int f = 0; f < query.length; f++) {
        dot += (double) query[f] * e.getValue()[f];
      }
      out.add(new Scored(e.getKey(), dot));
    }
    out.sort((a, b) -> a.score() != b.score() ? Double.compare(b.score(), a.score())
        : Integer.compare(a.id(), b.id()));
    return out;
  }

  /** Checks one output row's recs against the brute force: size, ranks 1..size, order, ids, scores. */
  private static void assertRecs(int query, List<Row> recs, List<Scored> brute, int n) {
    String what = "query " + query;
    int expected = Math.min(n, brute.size());
    assertEquals(expected, recs.size(), what + ": list size");
    Map<Integer, Double> bruteScore = new HashMap<>();
    brute.forEach(s -> bruteScore.put(s.id(), s.score()));
    Set<Integer> ids = new HashSet<>();
    for (int p = 0; p < recs.size(); p++) {
      Row r = recs.get(p);
      int id = r.getInt(r.fieldIndex("item_idx"));
      float score = r.getFloat(r.fieldIndex("score"));
      assertEquals(p + 1, r.getInt(r.fieldIndex("rank")), what + ": rank column");
      assertTrue(bruteScore.containsKey(id), what + ": id " + id + " not eligible");
      assertTrue(ids.add(id), what + ": id " + id + " twice");
      assertEquals(bruteScore.get(id), score, TOL, what + ": score of " + id);
      assertEquals(brute.get(p).score(), score, TOL, what + ": score at position " + p);
      if (p > 0) {
        float prev = recs.get(p - 1).getFloat(1);
        assertTrue(prev >= score, what + ": scores not non-increasing at " + p);
        if (prev == score) {
          assertTrue(recs.get(p - 1).getInt(0) < id, what + ": tie not by increasing id at " + p);
        }
      }
    }
    if (expected > 0 && expected < brute.size()
        && brute.get(expected - 1).score() - brute.get(expected).score() > TOL) {
      Set<Integer> top = new HashSet<>();
      for (int p = 0; p < expected; p++) {
        top.add(brute.get(p).id());
      }
      assertEquals(top, ids, what + ": top set");
    }
  }

  private static Map<Integer, List<Row>> byQuery(Dataset<Row> out) {
    Map<Integer, List<Row>> map = new HashMap<>();
    for (Row r : out.collectAsList()) {
      assertFalse(map.containsKey(r.getInt(0)), "query " + r.getInt(0) + " appears twice");
      map.put(r.getInt(0), r.getList(1));
    }
    return map;
  }

  @Test
  void matchesBruteForceWithSeenExcludedAndNullSeen() {
    Random rnd = new Random(42);
    int rank = 6;
    // Non-contiguous item ids 0, 3, 6, ... 177 (60 items).
    Map<Integer, float[]> items = new HashMap<>();
    List<Row> itemRows = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      int id = 3 * i;
      float[] v = gaussian(rnd, rank);
      items.put(id, v);
      itemRows.add(RowFactory.create(id, ScalaSeqs.seq(vector(v))));
    }
    // Excluded: a few catalogue ids and one id that is not in the catalogue.
    Set<Integer> excluded = Set.of(0, 9, 30, 99, 1000);

    Map<Integer, float[]> queryVectors = new HashMap<>();
    Map<Integer, Set<Integer>> seen = new HashMap<>();
    List<Row> queryRows = new ArrayList<>();
    for (int q = 0; q < 23; q++) {
      int queryIdx = 100 + 2 * q;
      float[] v = gaussian(rnd, rank);
      queryVectors.put(queryIdx, v);
      Object seenColumn;
      if (q % 4 == 0) {
        seen.put(queryIdx, Set.of());
        seenColumn = null; // null seen: nothing seen
      } else {
        TreeSet<Integer> s = new TreeSet<>();
        for (int i = 0; i < rnd.nextInt(20); i++) {
          s.add(3 * rnd.nextInt(60));
        }
        s.add(1 + 3 * rnd.nextInt(60)); // an id not in the catalogue
        seen.put(queryIdx, s);
        seenColumn = ScalaSeqs.seq(new ArrayList<>(s));
      }
      queryRows.add(RowFactory.create(queryIdx, ScalaSeqs.seq(vector(v)), seenColumn));
    }
    // One query has seen every item: an empty list, still present in the output.
    TreeSet<Integer> all = new TreeSet<>(items.keySet());
    queryVectors.put(999, gaussian(rnd, rank));
    seen.put(999, all);
    queryRows.add(RowFactory.create(999, ScalaSeqs.seq(vector(queryVectors.get(999))),
        ScalaSeqs.seq(new ArrayList<>(all))));

    Dataset<Row> queries = spark.createDataFrame(queryRows, QUERIES).repartition(3);
    Dataset<Row> itemDs = spark.createDataFrame(itemRows, ITEMS);

    // n, block size, broadcast budget in bytes (500: the 60 items go in blocks of 17, partial lists merged).
    for (long[] config : new long[][] {{5, 4, BlockedTopN.DEFAULT_BROADCAST_BUDGET}, {100, 1,
        BlockedTopN.DEFAULT_BROADCAST_BUDGET}, {5, 7, 500}, {100, 3, 500}}) {
      int n = (int) config[0];
      Dataset<Row> out = new BlockedTopN(n, (int) config[1], config[2], TopNKernel.Backend.AUTO)
          .run(queries, itemDs, excluded);
      assertEquals(BlockedTopN.OUTPUT, out.schema());
      Map<Integer, List<Row>> got = byQuery(out);
      assertEquals(queryVectors.keySet(), got.keySet(), "every query gets exactly one row");
      for (int queryIdx : queryVectors.keySet()) {
        List<Scored> brute = bruteForce(queryVectors.get(queryIdx), items, seen.get(queryIdx), excluded);
        assertRecs(queryIdx, got.get(queryIdx), brute, n);
      }
      assertTrue(got.get(999).isEmpty());
    }
  }

  @Test
  void handWorkedExample() {
    // q = (1, 2); items 2:(1,0)=1, 4:(0,1)=2, 6:(1,1)=3, 8:(-1,0)=-1, 9:(0.5,1)=2.5
    List<Row> items = List.of(
        RowFactory.create(2, ScalaSeqs.seq(List.of(1f, 0f))),
        RowFactory.create(4, ScalaSeqs.seq(List.of(0f, 1f))),
        RowFactory.create(6, ScalaSeqs.seq(List.of(1f, 1f))),
        RowFactory.create(8, ScalaSeqs.seq(List.of(-1f, 0f))),
        RowFactory.create(9, ScalaSeqs.seq(List.of(0.5f, 1f))));
    List<Row> queries = List.of(
        RowFactory.create(1, ScalaSeqs.seq(List.of(1f, 2f)), ScalaSeqs.seq(List.of(4))),
        RowFactory.create(2, ScalaSeqs.seq(List.of(1f, 2f)), null));
    Map<Integer, List<Row>> got = byQuery(new BlockedTopN(3, 2)
        .run(spark.createDataFrame(queries, QUERIES), spark.createDataFrame(items, ITEMS), Set.of(9)));
    // Query 1: 9 excluded, 4 seen -> 6 (3), 2 (1), 8 (-1). Query 2: 9 excluded -> 6 (3), 4 (2), 2 (1).
    assertEquals(List.of(RowFactory.create(6, 3f, 1), RowFactory.create(2, 1f, 2), RowFactory.create(8, -1f, 3)),
        got.get(1));
    assertEquals(List.of(RowFactory.create(6, 3f, 1), RowFactory.create(4, 2f, 2), RowFactory.create(2, 1f, 3)),
        got.get(2));
  }

  @Test
  void queryVectorOfTheWrongLengthFails() {
    List<Row> items = List.of(RowFactory.create(1, ScalaSeqs.seq(List.of(1f, 0f))));
    List<Row> queries = List.of(RowFactory.create(1, ScalaSeqs.seq(List.of(1f, 2f, 3f)), null));
    Dataset<Row> out = new BlockedTopN(3, 2)
        .run(spark.createDataFrame(queries, QUERIES), spark.createDataFrame(items, ITEMS), Set.of());
    Exception e = assertThrows(Exception.class, out::collectAsList);
    Throwable t = e;
    boolean found = false;
    while (t != null) {
      found |= String.valueOf(t.getMessage()).contains("has a vector of length 3, items have 2");
      t = t.getCause();
    }
    assertTrue(found, "expected the error about the vector length, got " + e);
  }
}
