package io.recsysnightly.knn;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.bench.BenchFactors;
import io.recsysnightly.testing.SharedSpark;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The approximate (IVF) mode on a small planted set: items in 64 latent categories, users mixing 1-3
 * of them (the benchmark's planted factors). k-means with 40 clusters; the test states the recall it
 * must reach with a quarter of the clusters probed, and that probing every cluster is exact.
 */
class IvfTest {
  private static final int USERS = 400;
  private static final int ITEMS = 1600;
  private static final int RANK = 16;
  private static final int N = 20;
  private static final int CLUSTERS = 40;

  private static final StructType VECTORS = new StructType()
      .add("idx", DataTypes.IntegerType, false)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false);

  private static SparkSession spark;
  private static float[] users;
  private static FactorMatrix items;

  @BeforeAll
  static void setUp() {
    spark = SharedSpark.get();
    users = BenchFactors.users(BenchFactors.Kind.PLANTED, USERS, RANK, 7);
    float[] itemVectors = BenchFactors.items(BenchFactors.Kind.PLANTED, ITEMS, RANK, 7);
    int[] ids = new int[ITEMS];
    for (int i = 0; i < ITEMS; i++) {
      ids[i] = 3 * i + 1; // non-contiguous ids
    }
    items = new FactorMatrix(itemVectors, ids, RANK);
  }

  private static Dataset<Row> queries() {
    List<Row> rows = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      rows.add(RowFactory.create(u, Arrays.copyOfRange(users, u * RANK, (u + 1) * RANK)));
    }
    return spark.createDataFrame(rows, VECTORS).repartition(2)
        .select(col("idx").as("query_idx"), col("vector"), lit(null).cast("array<int>").as("seen"));
  }

  private static Map<Integer, List<Integer>> lists(Dataset<Row> out) {
    Map<Integer, List<Integer>> m = new HashMap<>();
    for (Row r : out.collectAsList()) {
      List<Integer> ids = new ArrayList<>();
      for (Row e : r.<Row>getList(1)) {
        ids.add(e.getInt(0));
      }
      m.put(r.getInt(0), ids);
    }
    return m;
  }

  private static double recall(Map<Integer, List<Integer>> approx, Map<Integer, List<Integer>> exact) {
    double sum = 0;
    for (Map.Entry<Integer, List<Integer>> e : exact.entrySet()) {
      Set<Integer> truth = new HashSet<>(e.getValue());
      long hit = approx.get(e.getKey()).stream().filter(truth::contains).count();
      sum += hit / (double) truth.size();
    }
    return sum / exact.size();
  }

  @Test
  void aQuarterOfTheClustersReachesRecallPoint9AndAllClustersAreExact() {
    ItemSide ivf = Ivf.build(spark, items, Set.of(), CLUSTERS, CLUSTERS / 4, 11, Ivf.DEFAULT_MAX_ITER,
        Ivf.DEFAULT_SAMPLE);
    assertEquals(CLUSTERS, ivf.clusters());
    assertEquals(ITEMS, Arrays.stream(ivf.order).distinct().count(), "every item in exactly one cluster");

    Dataset<Row> q = queries();
    Map<Integer, List<Integer>> exact = lists(new BlockedTopN(N, 64).run(q, ItemSide.exact(items, Set.of())));
    Map<Integer, List<Integer>> approx = lists(new BlockedTopN(N, 64).run(q, ivf));
    assertEquals(exact.keySet(), approx.keySet(), "every user gets a list");
    double r = recall(approx, exact);
    assertTrue(r >= 0.9, "Recall@" + N + " probing " + CLUSTERS / 4 + " of " + CLUSTERS + " clusters: " + r);

    Map<Integer, List<Integer>> all = lists(new BlockedTopN(N, 64).run(q, Ivf.withProbes(ivf, CLUSTERS)));
    assertEquals(exact, all, "probing every cluster is the exact top-N");
  }

  @Test
  void calibrationFindsTheFewestProbesForTheTarget() {
    ItemSide ivf = Ivf.build(spark, items, Set.of(), CLUSTERS, 1, 11, Ivf.DEFAULT_MAX_ITER, Ivf.DEFAULT_SAMPLE);
    ItemSide exact = ItemSide.exact(items, Set.of());
    Ivf.Calibration cal = Ivf.calibrate(ivf, exact, users, USERS, N, 0.95);
    assertTrue(cal.recall() >= 0.95, "calibrated recall " + cal.recall());
    assertTrue(cal.probes() < CLUSTERS / 2, "a planted set needs far fewer than all clusters: " + cal.tried());
    if (cal.probes() > 1) {
      assertTrue(cal.tried().get(cal.probes() - 1) < 0.95, "one probe fewer misses the target: " + cal.tried());
    }
  }

  /** Seen items and excluded items stay out of approximate lists too. */
  @Test
  void seenAndExcludedItemsStayOut() {
    Set<Integer> excluded = Set.of(items.ids()[0], items.ids()[1], items.ids()[2]);
    ItemSide ivf = Ivf.build(spark, items, excluded, CLUSTERS, CLUSTERS, 11, Ivf.DEFAULT_MAX_ITER,
        Ivf.DEFAULT_SAMPLE);
    int[][] seen = new int[USERS][];
    float[] q = Arrays.copyOf(users, USERS * RANK);
    BlockScorer exactScorer = new BlockScorer(ItemSide.exact(items, excluded), N, USERS, TopNKernel.Backend.AUTO);
    TopNBlock plain = exactScorer.score(q, USERS, null);
    for (int u = 0; u < USERS; u++) {
      seen[u] = new int[] {plain.id(u, 0), plain.id(u, 3)}; // each user has seen two of their best
      Arrays.sort(seen[u]);
    }
    TopNBlock got = new BlockScorer(ivf, N, USERS, TopNKernel.Backend.AUTO).score(q, USERS, seen);
    TopNBlock want = exactScorer.score(q, USERS, seen);
    for (int u = 0; u < USERS; u++) {
      for (int p = 0; p < got.size(u); p++) {
        int id = got.id(u, p);
        assertTrue(!excluded.contains(id) && Arrays.binarySearch(seen[u], id) < 0, "user " + u + " got " + id);
        assertEquals(want.id(u, p), id, "all clusters probed: exact, user " + u);
      }
    }
  }
}
