package io.recsysnightly.knn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.testing.SharedSpark;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Similar items (cosine or dot product, through the top-N kernel) against a brute-force ranking. */
class SimilarItemsTest {
  private static final StructType ITEMS = new StructType()
      .add("item_idx", DataTypes.IntegerType, false)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false);

  private record Scored(int id, double score) {}

  @ParameterizedTest
  @EnumSource(Scoring.class)
  void similarItemsEqualBruteForce(Scoring scoring) {
    SparkSession spark = SharedSpark.get();
    Random rnd = new Random(5);
    int rank = 7;
    int count = 130;
    Map<Integer, float[]> vectors = new HashMap<>();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int id = 2 * i + 1;
      float[] v = new float[rank];
      for (int f = 0; f < rank; f++) {
        // Very different lengths: cosine must ignore them.
        v[f] = (float) (rnd.nextGaussian() * (1 + 50 * (i % 3)));
      }
      if (i == 17) {
        v = new float[rank]; // a zero vector: cosine 0 with everything
      }
      vectors.put(id, v);
      rows.add(RowFactory.create(id, v));
    }
    Set<Integer> excluded = Set.of(5, 9, 101);
    int m = 12;
    Map<Integer, List<Row>> got = new HashMap<>();
    for (Row r : Candidates.similarItems(spark.createDataFrame(rows, ITEMS).repartition(3), excluded, m, 16, scoring)
        .collectAsList()) {
      got.put(r.getInt(0), r.getList(1));
    }
    assertEquals(vectors.keySet(), got.keySet(), "every item gets a list");
    for (Map.Entry<Integer, float[]> e : vectors.entrySet()) {
      List<Scored> brute = new ArrayList<>();
      for (Map.Entry<Integer, float[]> o : vectors.entrySet()) {
        if (o.getKey().equals(e.getKey()) || excluded.contains(o.getKey())) {
          continue;
        }
        brute.add(new Scored(o.getKey(), scoring == Scoring.COSINE ? cosine(e.getValue(), o.getValue())
            : dot(e.getValue(), o.getValue())));
      }
      brute.sort((a, b) -> a.score() != b.score() ? Double.compare(b.score(), a.score())
          : Integer.compare(a.id(), b.id()));
      List<Row> list = got.get(e.getKey());
      assertEquals(m, list.size(), "item " + e.getKey());
      for (int p = 0; p < m; p++) {
        Row r = list.get(p);
        int id = r.getInt(0);
        assertTrue(id != e.getKey() && !excluded.contains(id), "item " + e.getKey() + " lists " + id);
        assertEquals(p + 1, r.getInt(2));
        double tolerance = 1e-5 * Math.max(1, Math.abs(brute.get(p).score()));
        assertEquals(brute.get(p).score(), r.getFloat(1), tolerance, "item " + e.getKey() + " position " + p);
        if (p + 1 < brute.size() && brute.get(p).score() - brute.get(p + 1).score() > tolerance
            && (p == 0 || brute.get(p - 1).score() - brute.get(p).score() > tolerance)) {
          assertEquals(brute.get(p).id(), id, "item " + e.getKey() + " position " + p);
        }
      }
    }
  }

  private static double dot(float[] a, float[] b) {
    double dot = 0;
    for (int f = 0; f < a.length; f++) {
      dot += (double) a[f] * b[f];
    }
    return dot;
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int f = 0; f < a.length; f++) {
      dot += (double) a[f] * b[f];
      na += (double) a[f] * a[f];
      nb += (double) b[f] * b[f];
    }
    return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
  }
}
