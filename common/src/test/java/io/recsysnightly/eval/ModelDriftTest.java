package io.recsysnightly.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.io.RunContext;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.spark.ScalaSeqs;
import io.recsysnightly.testing.SharedSpark;
import io.recsysnightly.testing.TestInputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model drift between two publications whose factors differ by a known rotation: aligned, every vector
 * matches (cosine 1); unaligned, the median cosine is what plain Java computes from the same vectors.
 */
class ModelDriftTest {
  private static final int K = 3;
  private static final StructType EMBEDDINGS = new StructType().add("id", DataTypes.StringType)
      .add("embedding", DataTypes.createArrayType(DataTypes.FloatType));
  private static final StructType RECS = new StructType().add("user_id", DataTypes.StringType)
      .add("recs", DataTypes.createArrayType(new StructType().add("item_id", DataTypes.StringType)
          .add("rank", DataTypes.IntegerType)));

  @TempDir
  Path dir;

  @Test
  void procrustesFindsAKnownRotation() {
    double[] q = rotation(0.7, 0.3);
    double[] a = randomMatrix(new Random(3), 20);
    // M = Aᵀ(A Q) = (AᵀA) Q: its polar factor is Q.
    double[] m = multiply(multiply(transpose(a, 20), a, K, 20, K), q, K, K, K);
    double[] r = Procrustes.rotation(m, K, K);
    for (int i = 0; i < K * K; i++) {
      assertEquals(q[i], r[i], 1e-9, "entry " + i);
    }
    // A factor space with an unused dimension (A's third column 0): AᵀB is singular, and R still maps A onto B.
    for (int row = 0; row < 20; row++) {
      a[row * K + 2] = 0;
    }
    double[] b = multiply(a, q, 20, K, K);
    double[] partial = Procrustes.rotation(multiply(transpose(a, 20), b, K, 20, K), K, K);
    double[] mapped = multiply(a, partial, 20, K, K);
    for (int i = 0; i < b.length; i++) {
      assertEquals(b[i], mapped[i], 1e-9, "A R = B, entry " + i);
    }
    // A rank of 3 last night and 4 tonight: B = A W with W = [Q | 0] (orthonormal rows); the map found is W.
    double[] w = new double[K * (K + 1)];
    for (int i = 0; i < K; i++) {
      System.arraycopy(q, i * K, w, i * (K + 1), K);
    }
    double[] full = randomMatrix(new Random(5), 20);
    double[] wide = Procrustes.rotation(multiply(multiply(transpose(full, 20), full, K, 20, K), w, K, K, K + 1), K,
        K + 1);
    for (int i = 0; i < w.length; i++) {
      assertEquals(w[i], wide[i], 1e-9, "W entry " + i);
    }
    assertThrows(IllegalArgumentException.class, () -> Procrustes.rotation(new double[K * K], K, K));
  }

  @Test
  void rotatedFactorsDoNotDriftOnceAligned() {
    double[] q = rotation(1.1, -0.4);
    Random random = new Random(11);
    double[] items = randomMatrix(random, 8);
    double[] users = randomMatrix(random, 5);
    // Tonight's vectors B are last night's A rotated: B = A Q.
    write("previous/item_embeddings", "item_id", "i", items);
    write("tonight/item_embeddings", "item_id", "i", multiply(items, q, 8, K, K));
    write("previous/user_embeddings", "user_id", "u", users);
    write("tonight/user_embeddings", "user_id", "u", multiply(users, q, 5, K, K));
    // u0 keeps the same top-10 in another order, u1 gains a new item, u2 had no list last night.
    writeRecs("previous/recommendations", List.of(row("u0", "i1", "i2", "i3"), row("u1", "i1", "i2"), row("u2")));
    writeRecs("tonight/recommendations", List.of(row("u0", "i3", "i1", "i2"), row("u1", "i1", "i4"),
        row("u2", "i5")));

    RunContext ctx = new TestInputs(dir).context("2024-03-02");
    Map<String, Object> drift = new ModelDrift(ctx, new StepReport("publish")).execute(
        new org.apache.hadoop.fs.Path(dir.resolve("tonight").toString()),
        new org.apache.hadoop.fs.Path(dir.resolve("previous").toString()), "dt=2024-03-01");

    assertEquals(true, drift.get("checked"), drift.toString());
    assertEquals(List.of(8L, 5L), List.of(drift.get("items_compared"), drift.get("users_compared")));
    assertEquals(1.0, (Double) drift.get("item_cosine_median"), 1e-5);
    assertEquals(1.0, (Double) drift.get("user_cosine_median"), 1e-5);
    assertEquals(medianCosine(items, multiply(items, q, 8, K, K), 8), (Double) drift.get("item_cosine_median_unaligned"),
        1e-5);
    assertEquals(medianCosine(users, multiply(users, q, 5, K, K), 5), (Double) drift.get("user_cosine_median_unaligned"),
        1e-5);
    assertTrue((Double) drift.get("user_cosine_median_unaligned") < 0.9, "the rotation is large enough to show");
    assertEquals(0.5, (Double) drift.get("top10_changed_share"), 1e-12, "u1 of u0 and u1");
  }

  private void write(String dataset, String idColumn, String prefix, double[] vectors) {
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < vectors.length / K; r++) {
      Float[] v = new Float[K];
      for (int j = 0; j < K; j++) {
        v[j] = (float) vectors[r * K + j];
      }
      rows.add(RowFactory.create(prefix + r, ScalaSeqs.seq(v)));
    }
    SharedSpark.get().createDataFrame(rows, EMBEDDINGS).withColumnRenamed("id", idColumn).write()
        .parquet(dir.resolve(dataset).toString());
  }

  private void writeRecs(String dataset, List<Row> rows) {
    SharedSpark.get().createDataFrame(rows, RECS).write().parquet(dir.resolve(dataset).toString());
  }

  private static Row row(String user, String... items) {
    Row[] recs = new Row[items.length];
    for (int i = 0; i < items.length; i++) {
      recs[i] = RowFactory.create(items[i], i + 1);
    }
    return RowFactory.create(user, ScalaSeqs.seq(recs));
  }

  /** The median over rows of cos(a_r, b_r), as the floats written would give it. */
  private static double medianCosine(double[] a, double[] b, int rows) {
    double[] cos = new double[rows];
    for (int r = 0; r < rows; r++) {
      double dot = 0;
      double na = 0;
      double nb = 0;
      for (int j = 0; j < K; j++) {
        double x = (float) a[r * K + j];
        double y = (float) b[r * K + j];
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      cos[r] = dot / Math.sqrt(na * nb);
    }
    Arrays.sort(cos);
    return rows % 2 == 1 ? cos[rows / 2] : (cos[rows / 2 - 1] + cos[rows / 2]) / 2;
  }

  /** A rotation of R³: about z by {@code a}, then about x by {@code b}. */
  private static double[] rotation(double a, double b) {
    double[] z = {Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a), 0, 0, 0, 1};
    double[] x = {1, 0, 0, 0, Math.cos(b), -Math.sin(b), 0, Math.sin(b), Math.cos(b)};
    return multiply(z, x, K, K, K);
  }

  private static double[] randomMatrix(Random random, int rows) {
    double[] m = new double[rows * K];
    for (int i = 0; i < m.length; i++) {
      m[i] = random.nextGaussian();
    }
    return m;
  }

  private static double[] transpose(double[] m, int rows) {
    double[] t = new double[m.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < K; c++) {
        t[c * rows + r] = m[r * K + c];
      }
    }
    return t;
  }

  /** (n × p) times (p × q), row-major. */
  private static double[] multiply(double[] x, double[] y, int n, int p, int q) {
    double[] out = new double[n * q];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < q; j++) {
        for (int l = 0; l < p; l++) {
          out[i * q + j] += x[i * p + l] * y[l * q + j];
        }
      }
    }
    return out;
  }
}
