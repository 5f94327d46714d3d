package io.recsysnightly.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.knn.BlockScorer;
import io.recsysnightly.knn.BlockedTopN;
import io.recsysnightly.knn.ItemSide;
import io.recsysnightly.knn.Ivf;
import io.recsysnightly.knn.Roof;
import io.recsysnightly.knn.TopNKernel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * The candidates benchmark: in one Spark application, on the same factor tables, our candidates stage
 * ({@link BlockedTopN}, what {@code candidates} runs) against Spark's
 * {@code ALSModel.recommendForAllUsers(N)}, both into the same no-op sink, both warmed up, then
 * several timed runs each, medians reported; a check that both return the same top N; the roof for
 * the shape (same kernel on plain threads, no Spark), timed in the same rounds: each round times the
 * roof, the baseline and ours in turn, so a drift of the machine or the JVM over the run (load, the
 * JIT) hits all three; and optionally the approximate (IVF) mode with its Recall@N against exact.
 */
public final class CandidatesBench {
  /** What to measure. */
  public enum Mode {
    /** Ours exact vs recommendForAllUsers, plus the roof. */
    EXACT,
    /** Ours approximate vs ours exact (recall, speed-up), plus the roof. */
    APPROX,
    /** Everything. */
    BOTH;

    public static Mode parse(String name) {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    }
  }

  /** The parameters, with the defaults of the exact target. */
  public record Params(int users, int items, int rank, int n, int blockSize, Mode mode, int runs, boolean baseline,
      int partitions, int baselinePartitions, int baselineBlockSize, BenchFactors.Kind factors, long seed,
      int clusters, int probes, double targetRecall, TopNKernel.Backend backend, int threads) {

    public static Params defaults() {
      int cores = Runtime.getRuntime().availableProcessors();
      // The baseline's factors in 2 x cores partitions: its fastest setting here (1: 23.4 s, 2: 18.0 s,
      // 4: 17.5 s, 10: 28.9 s at 50k x 10k x 32 on 2 cores).
      return new Params(50_000, 10_000, 32, 100, 1024, Mode.EXACT, 5, true, cores, 2 * cores, 4096,
          BenchFactors.Kind.GAUSSIAN, 42, 0, 0, 0.95, TopNKernel.Backend.AUTO, cores);
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("users", users);
      m.put("items", items);
      m.put("rank", rank);
      m.put("n", n);
      m.put("block_size", blockSize);
      m.put("mode", mode.name().toLowerCase(Locale.ROOT));
      m.put("runs", runs);
      m.put("baseline", baseline);
      m.put("partitions", partitions);
      m.put("baseline_partitions", baselinePartitions);
      m.put("baseline_block_size", baselineBlockSize);
      m.put("factors", factors.label());
      m.put("seed", seed);
      m.put("clusters", clusters);
      m.put("probes", probes);
      m.put("target_recall", targetRecall);
      m.put("kernel", backend.resolve().name().toLowerCase(Locale.ROOT));
      m.put("roof_threads", threads);
      return m;
    }
  }

  private static final StructType FACTORS = new StructType()
      .add("id", DataTypes.IntegerType, false)
      .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false);

  private final SparkSession spark;
  private final Params p;
  private final Map<String, Object> result = new LinkedHashMap<>();

  public CandidatesBench(SparkSession spark, Params params) {
    this.spark = spark;
    this.p = params;
  }

  private static void say(String format, Object... args) {
    System.out.printf(Locale.ROOT, "bench: " + format + "%n", args);
    System.out.flush();
  }

  /** Runs everything the mode asks for; returns the figures (also what {@link #writeJson} writes). */
  public Map<String, Object> run() throws Exception {
    result.put("machine", machine());
    result.put("params", p.toMap());
    double pairs = (double) p.users() * p.items();
    double flop = 2.0 * pairs * p.rank();
    result.put("pairs", (long) pairs);
    result.put("flop", flop);

    say("factors: %d users x %d items x rank %d (%s)", p.users(), p.items(), p.rank(), p.factors().label());
    float[] userVectors = BenchFactors.users(p.factors(), p.users(), p.rank(), p.seed());
    float[] itemVectors = BenchFactors.items(p.factors(), p.items(), p.rank(), p.seed());
    // The roof warmed up first, on a clean heap, before any Spark job has cached anything.
    RoofRuns roof = new RoofRuns(userVectors, itemVectors);
    Dataset<Row> users = factorTable(userVectors, p.users(), p.partitions());
    Dataset<Row> items = factorTable(itemVectors, p.items(), 1);
    Dataset<Row> queries = users.select(col("id").as("query_idx"), col("features").as("vector"),
        lit(null).cast("array<int>").as("seen"));
    Dataset<Row> itemVecs = items.select(col("id").as("item_idx"), col("features").as("vector"));

    LongAccumulator kernelNanos = spark.sparkContext().longAccumulator("bench kernel ns");
    BlockedTopN ours = new BlockedTopN(p.n(), p.blockSize(), BlockedTopN.DEFAULT_BROADCAST_BUDGET, p.backend())
        .timingKernelInto(kernelNanos);
    Supplier<Dataset<Row>> oursExact = () -> ours.run(queries, itemVecs, Set.of());

    boolean exactVsSpark = p.mode() != Mode.APPROX && p.baseline();
    Dataset<Row> baseUsers = null;
    ALSModel model = null;
    if (exactVsSpark) {
      baseUsers = factorTable(userVectors, p.users(), p.baselinePartitions());
      Dataset<Row> baseItems = factorTable(itemVectors, p.items(), p.baselinePartitions());
      model = new ALSModel("bench-als", p.rank(), baseUsers, baseItems).setUserCol("user").setItemCol("item")
          .setBlockSize(p.baselineBlockSize());
    }

    // ------------------------------------------------------------ exact: ours vs recommendForAllUsers
    List<Double> oursRuns = new ArrayList<>();
    List<Long> oursHeap = new ArrayList<>();
    List<Double> oursKernel = new ArrayList<>();
    List<Double> baseRuns = new ArrayList<>();
    List<Long> baseHeap = new ArrayList<>();
    ALSModel m = model;
    say("warm-up: ours%s", exactVsSpark ? " and recommendForAllUsers" : "");
    Map<String, Object> warm = new LinkedHashMap<>();
    warm.put("ours_s", timeSink(oursExact.get(), null));
    if (exactVsSpark) {
      warm.put("baseline_s", timeSink(m.recommendForAllUsers(p.n()), null));
    }
    result.put("warm_up_first_run", warm);
    for (int r = 0; r < p.runs(); r++) {
      roof.time(r);
      if (exactVsSpark) {
        long[] heap = new long[1];
        baseRuns.add(timeSink(m.recommendForAllUsers(p.n()), heap));
        baseHeap.add(heap[0]);
      }
      long[] heap = new long[1];
      kernelNanos.reset();
      oursRuns.add(timeSink(oursExact.get(), heap));
      oursHeap.add(heap[0]);
      oursKernel.add(kernelNanos.value() / 1e9);
      say("run %d/%d: roof %.2f s, ours %.2f s%s", r + 1, p.runs(), roof.full.get(r), oursRuns.get(r),
          exactVsSpark ? String.format(Locale.ROOT, ", recommendForAllUsers %.2f s", baseRuns.get(r)) : "");
    }
    double oursMedian = median(oursRuns);
    Map<String, Object> oursMap = new LinkedHashMap<>();
    oursMap.put("runs_s", oursRuns);
    oursMap.put("median_s", oursMedian);
    oursMap.put("pairs_per_s", pairs / oursMedian);
    oursMap.put("effective_gflops", flop / oursMedian / 1e9);
    oursMap.put("kernel_task_s_median", median(oursKernel));
    oursMap.put("kernel_share_of_task_time", median(oursKernel) / (oursMedian * parallelism()));
    oursMap.put("peak_heap_mb", mb(max(oursHeap)));
    oursMap.put("block_size_effective", BlockScorer.effectiveBlockSize(p.blockSize(), p.n()));
    oursMap.put("kernel", p.backend().resolve().name().toLowerCase(Locale.ROOT));
    result.put("ours_exact", oursMap);
    if (exactVsSpark) {
      double baseMedian = median(baseRuns);
      Map<String, Object> baseMap = new LinkedHashMap<>();
      baseMap.put("runs_s", baseRuns);
      baseMap.put("median_s", baseMedian);
      baseMap.put("pairs_per_s", pairs / baseMedian);
      baseMap.put("effective_gflops", flop / baseMedian / 1e9);
      baseMap.put("peak_heap_mb", mb(max(baseHeap)));
      baseMap.put("user_partitions", p.baselinePartitions());
      baseMap.put("item_partitions", p.baselinePartitions());
      baseMap.put("block_size", p.baselineBlockSize());
      result.put("baseline_recommendForAllUsers", baseMap);
      result.put("speedup_vs_baseline", baseMedian / oursMedian);
      say("checking that both return the same top-%d", p.n());
      result.put("results_check", compare(oursExact.get(), m.recommendForAllUsers(p.n())));
    }

    Map<String, Object> roofFigures = roof.figures();
    result.put("roof", roofFigures);
    result.put("ours_over_roof", oursMedian / (double) roofFigures.get("median_s"));

    // ------------------------------------------------------------ approximate
    if (p.mode() != Mode.EXACT) {
      approximate(queries, itemVecs, userVectors, oursExact, oursMedian);
    }
    result.put("load_average_after", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    return result;
  }

  /** The roof, warmed up once, then timed once per round ({@link #time}) beside ours and the baseline. */
  private final class RoofRuns {
    private final Roof roof;
    private final TopNKernel.Backend backend = p.backend().resolve();
    // netlib's sgemm is timed for reference only where it takes seconds, not minutes.
    private final boolean withNetlib = 2.0 * p.users() * p.items() * p.rank() <= 1e11;
    private final List<Double> full = new ArrayList<>();
    private final List<Double> scoring = new ArrayList<>();
    private final List<Double> sgemm = new ArrayList<>();

    RoofRuns(float[] userVectors, float[] itemVectors) throws Exception {
      System.gc();
      int[] ids = new int[p.items()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = i;
      }
      ItemSide side = ItemSide.exact(new FactorMatrix(itemVectors, ids, p.rank()), Set.of());
      roof = new Roof(side, userVectors, p.users(), p.n(), p.blockSize(), p.threads());
      say("roof: %d threads, %s kernel, no Spark: warming up", p.threads(), backend.name().toLowerCase(Locale.ROOT));
      // Until the JIT has compiled every path (C2, with the Vector API intrinsics): at least one call
      // each and two seconds of work.
      long warmUntil = System.nanoTime() + 2_000_000_000L;
      for (int i = 0; i < 1 || System.nanoTime() < warmUntil; i++) {
        roof.full(backend);
        roof.scoringOnly(backend);
        if (withNetlib && i == 0) {
          roof.scoringOnly(TopNKernel.Backend.SGEMM);
        }
      }
    }

    /** One timed round: the whole roof, the scoring alone, and (first 3 rounds) netlib's sgemm. */
    void time(int round) throws Exception {
      full.add(roof.full(backend));
      scoring.add(roof.scoringOnly(backend));
      if (withNetlib && round < 3) {
        sgemm.add(roof.scoringOnly(TopNKernel.Backend.SGEMM));
      }
    }

    Map<String, Object> figures() {
      double pairs = (double) p.users() * p.items();
      double flop = 2.0 * pairs * p.rank();
      double fullMedian = median(full);
      double scoringMedian = median(scoring);
      double sgemmMedian = withNetlib ? median(sgemm) : Double.NaN;
      double selection = Math.max(0, fullMedian - scoringMedian);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("threads", p.threads());
      m.put("kernel", backend.name().toLowerCase(Locale.ROOT));
      m.put("runs_s", full);
      m.put("median_s", fullMedian);
      m.put("pairs_per_s", pairs / fullMedian);
      m.put("effective_gflops", flop / fullMedian / 1e9);
      m.put("scoring_only_runs_s", scoring);
      m.put("scoring_only_median_s", scoringMedian);
      m.put("scoring_gflops", flop / scoringMedian / 1e9);
      m.put("selection_s", selection);
      m.put("selection_ns_per_pair_per_core", selection * p.threads() * 1e9 / pairs);
      m.put("scoring_share", scoringMedian / fullMedian);
      m.put("netlib_blas", netlibName());
      if (withNetlib) {
        m.put("netlib_sgemm_runs_s", sgemm);
        m.put("netlib_sgemm_median_s", sgemmMedian);
        m.put("netlib_sgemm_gflops", flop / sgemmMedian / 1e9);
        // The scoring phase against the faster of the two products measured for the shape on all cores.
        double bestProduct = Math.max(flop / scoringMedian, flop / sgemmMedian) / 1e9;
        m.put("scoring_rate_vs_best_product_rate", (flop / scoringMedian / 1e9) / bestProduct);
        m.put("scoring_rate_vs_netlib_sgemm_rate", sgemmMedian / scoringMedian);
      }
      return m;
    }
  }

  private void approximate(Dataset<Row> queries, Dataset<Row> itemVecs, float[] userVectors,
      Supplier<Dataset<Row>> oursExact, double exactMedian) throws Exception {
    int clusters = p.clusters() > 0 ? p.clusters() : Ivf.defaultClusters(p.items());
    say("approximate: k-means (Spark ML) into %d clusters", clusters);
    long t0 = System.nanoTime();
    FactorMatrix items = FactorMatrix.collect(itemVecs, "item_idx");
    ItemSide ivf = Ivf.build(spark, items, Set.of(), clusters, Math.max(1, p.probes()), p.seed(),
        Ivf.DEFAULT_MAX_ITER, Ivf.DEFAULT_SAMPLE);
    double buildSeconds = (System.nanoTime() - t0) / 1e9;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("method", "IVF: Spark ML k-means on up to " + Ivf.DEFAULT_SAMPLE + " items, nearest-centroid "
        + "assignment, clusters probed by dot product with the centroid");
    m.put("build_s", buildSeconds);
    if (p.probes() <= 0) {
      t0 = System.nanoTime();
      int sample = Math.min(p.users(), 1000);
      float[] sampleQueries = new float[sample * p.rank()];
      int stride = Math.max(1, p.users() / sample);
      for (int i = 0; i < sample; i++) {
        System.arraycopy(userVectors, (i * stride) * p.rank(), sampleQueries, i * p.rank(), p.rank());
      }
      ItemSide exact = ItemSide.exact(items, Set.of());
      Ivf.Calibration cal = Ivf.calibrate(ivf, exact, sampleQueries, sample, p.n(), p.targetRecall());
      ivf = Ivf.withProbes(ivf, cal.probes());
      m.put("calibration_s", (System.nanoTime() - t0) / 1e9);
      m.put("calibration_sample_users", sample);
      m.put("calibration_recall_by_probes", cal.tried());
      say("approximate: %d probes reach Recall@%d %.3f on a %d-user sample (%s)", cal.probes(), p.n(),
          cal.recall(), sample, cal.tried());
    }
    m.putAll(Ivf.describe(ivf));
    BlockedTopN approx = new BlockedTopN(p.n(), p.blockSize(), BlockedTopN.DEFAULT_BROADCAST_BUDGET, p.backend());
    ItemSide index = ivf;
    Supplier<Dataset<Row>> run = () -> approx.run(queries, index);
    timeSink(run.get(), null);
    List<Double> runs = new ArrayList<>();
    List<Long> heaps = new ArrayList<>();
    for (int r = 0; r < p.runs(); r++) {
      long[] heap = new long[1];
      runs.add(timeSink(run.get(), heap));
      heaps.add(heap[0]);
      say("approximate run %d/%d: %.2f s", r + 1, p.runs(), runs.get(r));
    }
    double median = median(runs);
    m.put("runs_s", runs);
    m.put("median_s", median);
    m.put("peak_heap_mb", mb(max(heaps)));
    m.put("exact_median_s", exactMedian);
    m.put("speedup_vs_exact", exactMedian / median);
    m.put("speedup_vs_exact_including_build", exactMedian / (median + buildSeconds));
    say("approximate: recall against exact over all users");
    m.put("recall_at_n", recall(run.get(), oursExact.get()));
    result.put("approximate", m);
  }

  // ---------------------------------------------------------------- measurements

  /** Runs the plan into the no-op sink (every row produced, nothing written); wall seconds. */
  private static double timeSink(Dataset<Row> plan, long[] peakHeap) {
    try (HeapSampler heap = HeapSampler.startAfterGc()) {
      long t0 = System.nanoTime();
      plan.write().format("noop").mode("overwrite").save();
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (peakHeap != null) {
        peakHeap[0] = heap.peakBytes();
      }
      return seconds;
    }
  }

  private Dataset<Row> factorTable(float[] vectors, int count, int partitions) {
    List<Row> rows = new ArrayList<>(count);
    int rank = p.rank();
    for (int i = 0; i < count; i++) {
      rows.add(RowFactory.create(i, Arrays.copyOfRange(vectors, i * rank, (i + 1) * rank)));
    }
    // Materialised once, so every run reads the same in-memory table and none pays for generating it.
    return spark.createDataFrame(rows, FACTORS).repartition(partitions).localCheckpoint(true);
  }

  private int parallelism() {
    return spark.sparkContext().defaultParallelism();
  }

  /**
   * Both outputs joined by user: identical lists; lists equal up to near-ties (the same score
   * sequence within float rounding, ids swapped among equal scores); real mismatches; users missing.
   */
  private Map<String, Object> compare(Dataset<Row> ours, Dataset<Row> baseline) {
    Dataset<Row> a = ours.select(col("query_idx").as("id"), expr("transform(recs, r -> r.item_idx)").as("a_ids"),
        expr("transform(recs, r -> r.score)").as("a_scores"));
    Dataset<Row> b = baseline.select(col("user").as("id"), expr("transform(recommendations, r -> r.item)").as("b_ids"),
        expr("transform(recommendations, r -> r.rating)").as("b_scores"));
    StructType counts = new StructType().add("identical", DataTypes.LongType).add("near_ties", DataTypes.LongType)
        .add("mismatched", DataTypes.LongType).add("missing", DataTypes.LongType)
        .add("max_score_diff", DataTypes.DoubleType);
    List<Row> parts = a.join(b, a.col("id").equalTo(b.col("id")), "full_outer")
        .select(a.col("a_ids"), a.col("a_scores"), b.col("b_ids"), b.col("b_scores"))
        .mapPartitions(new CompareLists(), Encoders.row(counts)).collectAsList();
    long identical = 0;
    long ties = 0;
    long mismatched = 0;
    long missing = 0;
    double maxDiff = 0;
    for (Row r : parts) {
      identical += r.getLong(0);
      ties += r.getLong(1);
      mismatched += r.getLong(2);
      missing += r.getLong(3);
      maxDiff = Math.max(maxDiff, r.getDouble(4));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("users_identical", identical);
    m.put("users_equal_up_to_ties", ties);
    m.put("users_mismatched", mismatched);
    m.put("users_missing", missing);
    m.put("max_abs_score_diff", maxDiff);
    m.put("same_top_n", mismatched == 0 && missing == 0);
    say("results: %d identical, %d equal up to near-ties, %d mismatched, %d missing (max score diff %.2e)",
        identical, ties, mismatched, missing, maxDiff);
    return m;
  }

  private static final class CompareLists implements MapPartitionsFunction<Row, Row> {
    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      long identical = 0;
      long ties = 0;
      long mismatched = 0;
      long missing = 0;
      double maxDiff = 0;
      while (rows.hasNext()) {
        Row r = rows.next();
        if (r.isNullAt(0) || r.isNullAt(2)) {
          missing++;
          continue;
        }
        List<Integer> aIds = r.getList(0);
        List<Float> aScores = r.getList(1);
        List<Integer> bIds = r.getList(2);
        List<Float> bScores = r.getList(3);
        boolean sameScores = aIds.size() == bIds.size();
        for (int i = 0; sameScores && i < aScores.size(); i++) {
          double diff = Math.abs(aScores.get(i) - bScores.get(i));
          maxDiff = Math.max(maxDiff, diff);
          sameScores = diff <= 1e-5 * (1 + Math.abs(aScores.get(i)));
        }
        if (aIds.equals(bIds)) {
          identical++;
        } else if (sameScores) {
          ties++;
        } else {
          mismatched++;
        }
      }
      return List.of(RowFactory.create(identical, ties, mismatched, missing, maxDiff)).iterator();
    }
  }

  /** Mean over users of |approx ∩ exact| / |exact|. */
  private static double recall(Dataset<Row> approx, Dataset<Row> exact) {
    Dataset<Row> a = approx.select(col("query_idx"), expr("transform(recs, r -> r.item_idx)").as("a"));
    Dataset<Row> e = exact.select(col("query_idx"), expr("transform(recs, r -> r.item_idx)").as("e"));
    Row r = e.join(a, "query_idx").where("size(e) > 0")
        .selectExpr("avg(size(array_intersect(a, e)) / size(e)) AS recall").first();
    return r.isNullAt(0) ? 1.0 : r.getDouble(0);
  }

  private Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("cpu", cpuModel());
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    m.put("spark", spark.version());
    m.put("master", spark.sparkContext().master());
    m.put("default_parallelism", parallelism());
    m.put("max_heap_mb", mb(Runtime.getRuntime().maxMemory()));
    m.put("netlib_blas", netlibName());
    m.put("vector_lanes", TopNKernel.Backend.AUTO.resolve() == TopNKernel.Backend.VECTOR
        ? TopNKernel.Backend.VECTOR.lanes() : 0);
    m.put("load_average_before", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    return m;
  }

  private static String netlibName() {
    return dev.ludovic.netlib.blas.BLAS.getInstance().getClass().getSimpleName();
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall through
    }
    return System.getProperty("os.arch");
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }

  private static long max(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).max().orElse(0);
  }

  private static double mb(long bytes) {
    return Math.round(bytes / 1048576.0 * 10) / 10.0;
  }

  /** Writes the figures as JSON. */
  public static void writeJson(Map<String, Object> figures, Path file) throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, io.recsysnightly.report.StepReport.toJson(figures) + "\n");
  }
}
