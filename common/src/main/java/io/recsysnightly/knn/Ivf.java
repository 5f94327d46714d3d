package io.recsysnightly.knn;

import io.recsysnightly.als.FactorMatrix;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The approximate mode: an inverted file (IVF) over the item vectors. Spark ML's k-means (on a sample
 * of the items) gives {@code clusters} centroids; every item goes to its nearest centroid; a query
 * scores the centroids, probes its {@code probes} best clusters (by dot product with the centroid)
 * and scores only their items, exactly, with the same kernel. Cost per query: clusters + the items of
 * the probed clusters, instead of every item.
 *
 * <p>It is approximate: an item in a cluster the query does not probe is missed even if it would be
 * in the exact top N. {@link #calibrate} measures Recall@N against the exact kernel on a sample of
 * queries and picks the fewest probes that reach a target; the benchmark reports the recall over
 * all users.
 */
public final class Ivf {
  /** Items k-means is fitted on at most (the assignment then covers every item). */
  public static final int DEFAULT_SAMPLE = 50_000;
  public static final int DEFAULT_MAX_ITER = 10;

  private Ivf() {}

  /** The default number of clusters: about the square root of the catalogue, at least 1. */
  public static int defaultClusters(int items) {
    return Math.max(1, (int) Math.round(Math.sqrt(items)));
  }

  /**
   * Builds the clustered item side.
   *
   * @param excludedIds item ids never returned
   * @param sample items k-means is fitted on (a seeded random subset when the catalogue is larger)
   */
  public static ItemSide build(SparkSession spark, FactorMatrix items, Set<Integer> excludedIds, int clusters,
      int probes, long seed, int maxIter, int sample) {
    int n = items.size();
    int rank = items.rank();
    int k = Math.max(1, Math.min(clusters, n));
    // k-means in the item space itself (L2). The MIPS-to-nearest-neighbour lift, (x, sqrt(M² − |x|²)),
    // was tried: with popularity-scaled norms it clusters by norm rather than direction and lost
    // recall at every number of probes on the benchmark's planted factors.
    float[] centroids = kmeans(spark, items.vectors(), n, rank, k, seed, maxIter, sample);
    k = centroids.length / rank;
    int[] cluster = assign(items.vectors(), n, centroids, k, rank);
    // Counting sort by cluster, stable: within a cluster items stay in increasing id order.
    int[] bounds = new int[k + 1];
    for (int c : cluster) {
      bounds[c + 1]++;
    }
    for (int c = 0; c < k; c++) {
      bounds[c + 1] += bounds[c];
    }
    int[] fill = bounds.clone();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[fill[cluster[i]]++] = i;
    }
    return new ItemSide(items.vectors(), items.ids(), ItemSide.excludedRows(items.ids(), excludedIds), rank, order,
        bounds, centroids, Math.max(1, Math.min(probes, k)));
  }

  /** The same index probing a different number of clusters. */
  public static ItemSide withProbes(ItemSide side, int probes) {
    return new ItemSide(side.vectors, side.ids, side.excluded, side.rank, side.order, side.bounds, side.centroids,
        Math.max(1, Math.min(probes, side.clusters())));
  }

  /** Sizes of the clusters (items per cluster), for reports. */
  public static Map<String, Object> describe(ItemSide side) {
    int k = side.clusters();
    int min = Integer.MAX_VALUE;
    int max = 0;
    int empty = 0;
    for (int c = 0; c < k; c++) {
      int size = side.bounds[c + 1] - side.bounds[c];
      min = Math.min(min, size);
      max = Math.max(max, size);
      empty += size == 0 ? 1 : 0;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("clusters", k);
    m.put("probes", side.probes);
    m.put("items_per_cluster_min", min);
    m.put("items_per_cluster_mean", side.size() / (double) k);
    m.put("items_per_cluster_max", max);
    m.put("empty_clusters", empty);
    return m;
  }

  /** k-means centroids (row-major, {@code dim} floats each), fitted by Spark ML on a sample of the rows. */
  static float[] kmeans(SparkSession spark, float[] v, int n, int dim, int k, long seed, int maxIter, int sample) {
    int[] rows = sampleRows(n, Math.max(sample, k), seed);
    List<Row> data = new ArrayList<>(rows.length);
    for (int r : rows) {
      double[] x = new double[dim];
      for (int f = 0; f < dim; f++) {
        x[f] = v[r * dim + f];
      }
      data.add(RowFactory.create(Vectors.dense(x)));
    }
    StructType schema = new StructType().add("features", new VectorUDT(), false);
    int partitions = Math.max(1, spark.sparkContext().defaultParallelism());
    Dataset<Row> df = spark.createDataFrame(data, schema).repartition(partitions).cache();
    try {
      KMeansModel model = new KMeans().setK(Math.min(k, rows.length)).setSeed(seed).setMaxIter(maxIter)
          .setFeaturesCol("features").fit(df);
      Vector[] centres = model.clusterCenters();
      float[] out = new float[centres.length * dim];
      for (int c = 0; c < centres.length; c++) {
        for (int f = 0; f < dim; f++) {
          out[c * dim + f] = (float) centres[c].apply(f);
        }
      }
      return out;
    } finally {
      df.unpersist();
    }
  }

  /** The nearest centroid of each row: argmax over c of x·c − |c|²/2, one top-1 kernel call per block. */
  static int[] assign(float[] vectors, int n, float[] centroids, int k, int dim) {
    int d1 = dim + 1;
    float[] aug = new float[k * d1];
    int[] ids = new int[k];
    for (int c = 0; c < k; c++) {
      double norm = 0;
      for (int f = 0; f < dim; f++) {
        aug[c * d1 + f] = centroids[c * dim + f];
        norm += (double) centroids[c * dim + f] * centroids[c * dim + f];
      }
      aug[c * d1 + dim] = (float) (-norm / 2);
      ids[c] = c;
    }
    int block = 1024;
    TopNKernel kernel = new TopNKernel(aug, ids, null, d1, 4L << 20, block);
    float[] q = new float[block * d1];
    int[] cluster = new int[n];
    for (int start = 0; start < n; start += block) {
      int count = Math.min(block, n - start);
      for (int i = 0; i < count; i++) {
        System.arraycopy(vectors, (start + i) * dim, q, i * d1, dim);
        q[i * d1 + dim] = 1f;
      }
      TopNBlock best = kernel.topN(q, count, null, 1);
      for (int i = 0; i < count; i++) {
        cluster[start + i] = best.size(i) == 0 ? 0 : best.id(i, 0);
      }
    }
    return cluster;
  }

  private static int[] sampleRows(int n, int sample, long seed) {
    if (sample >= n) {
      int[] all = new int[n];
      for (int i = 0; i < n; i++) {
        all[i] = i;
      }
      return all;
    }
    // Partial Fisher-Yates: a seeded uniform sample without replacement.
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    Random rnd = new Random(seed);
    for (int i = 0; i < sample; i++) {
      int j = i + rnd.nextInt(n - i);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    int[] out = new int[sample];
    System.arraycopy(perm, 0, out, 0, sample);
    java.util.Arrays.sort(out);
    return out;
  }

  // ---------------------------------------------------------------- recall

  /** Mean over queries of |approx ∩ exact| / |exact| (queries with an empty exact list are skipped). */
  public static double recall(TopNBlock approx, TopNBlock exact) {
    double sum = 0;
    int counted = 0;
    for (int q = 0; q < exact.queries(); q++) {
      int size = exact.size(q);
      if (size == 0) {
        continue;
      }
      java.util.Set<Integer> truth = new java.util.HashSet<>();
      for (int p = 0; p < size; p++) {
        truth.add(exact.id(q, p));
      }
      int hit = 0;
      for (int p = 0; p < approx.size(q); p++) {
        hit += truth.contains(approx.id(q, p)) ? 1 : 0;
      }
      sum += hit / (double) size;
      counted++;
    }
    return counted == 0 ? 1.0 : sum / counted;
  }

  /** What {@link #calibrate} found: the probes chosen and the recall each tried value reached. */
  public record Calibration(int probes, double recall, Map<Integer, Double> tried) {}

  /**
   * The fewest probes whose Recall@n on {@code count} sample queries reaches {@code target}, found by
   * doubling then bisecting (recall grows with probes); all clusters if none short of that does.
   */
  public static Calibration calibrate(ItemSide ivf, ItemSide exact, float[] queries, int count, int n,
      double target) {
    count = Math.min(count, BlockScorer.effectiveBlockSize(count, n));
    if (count == 0) {
      return new Calibration(1, 1.0, Map.of());
    }
    BlockScorer truthScorer = new BlockScorer(exact, n, count, TopNKernel.Backend.AUTO);
    TopNBlock truth = truthScorer.score(queries, count, null);
    Map<Integer, Double> tried = new LinkedHashMap<>();
    int k = ivf.clusters();
    int lo = 0;
    int hi = -1;
    for (int p = 1; ; p = Math.min(k, p * 2)) {
      double r = recallAt(ivf, p, queries, count, n, truth);
      tried.put(p, r);
      if (r >= target || p == k) {
        hi = p;
        break;
      }
      lo = p;
    }
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      double r = recallAt(ivf, mid, queries, count, n, truth);
      tried.put(mid, r);
      if (r >= target) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return new Calibration(hi, tried.get(hi), tried);
  }

  /** Recall@n of the side as it is (its own probes) against exact, on {@code count} sample queries. */
  public static double recallOf(ItemSide ivf, ItemSide exact, float[] queries, int count, int n) {
    count = Math.min(count, BlockScorer.effectiveBlockSize(count, n));
    if (count == 0) {
      return 1.0;
    }
    TopNBlock truth = new BlockScorer(exact, n, count, TopNKernel.Backend.AUTO).score(queries, count, null);
    return recallAt(ivf, ivf.probes, queries, count, n, truth);
  }

  private static double recallAt(ItemSide ivf, int probes, float[] queries, int count, int n, TopNBlock truth) {
    BlockScorer scorer = new BlockScorer(withProbes(ivf, probes), n, count, TopNKernel.Backend.AUTO);
    return recall(scorer.score(queries, count, null), truth);
  }
}
