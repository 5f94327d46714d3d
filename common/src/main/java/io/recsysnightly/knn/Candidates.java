package io.recsysnightly.knn;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.sort_array;

import io.recsysnightly.coldstart.ColdStart;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.als.FactorMatrix;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Step 4: exact top-N candidates by dot product for every user (items they interacted with,
 * blocklisted and unavailable items excluded), and the top-M most similar items (cosine) per item.
 */
public final class Candidates {
  public static final String STEP = "candidates";

  private final RunContext ctx;
  private final PipelineConfig config;
  private final Progress progress;
  private final StepReport report = new StepReport(STEP);

  public Candidates(RunContext ctx) {
    this.ctx = ctx;
    this.config = ctx.config();
    this.progress = ctx.progress(STEP);
  }

  public StepReport execute() {
    Dataset<Row> userVectors = ctx.read(ctx.paths().userVectors());
    Dataset<Row> itemVectors = ctx.read(ctx.paths().itemVectors());
    Set<Integer> excluded = excludedItems();
    report.count("items excluded (blocked or unavailable)", excluded.size());

    int n = config.get(ConfigKeys.CANDIDATES_N);
    boolean approximate = config.get(ConfigKeys.CANDIDATES_MODE).equals("approximate");
    progress.phase((approximate ? "approximate (IVF)" : "exact") + " top-" + n + " for every user");
    Dataset<Row> seen = ctx.read(ctx.paths().matrixAll()).groupBy("user_idx")
        .agg(sort_array(collect_list("item_idx")).as("seen"));
    Dataset<Row> queries = userVectors.join(seen, "user_idx", "left")
        .select(col("user_idx").as("query_idx"), col("vector"), col("seen"));
    BlockedTopN topN = kernel(config);
    TopNKernel.Backend backend = TopNKernel.Backend.parse(config.get(ConfigKeys.CANDIDATES_KERNEL));
    report.metric("kernel", backend.resolve().name().toLowerCase(java.util.Locale.ROOT));
    Scoring scoring = Scoring.from(config, ConfigKeys.CANDIDATES_SCORING);
    report.metric("scoring", scoring.name().toLowerCase(java.util.Locale.ROOT));
    FactorMatrix items = FactorMatrix.collect(scoring.items(itemVectors), "item_idx");
    ItemSide side = approximate ? approximateSide(items, excluded, userVectors, n) : ItemSide.exact(items, excluded);
    long users = userVectors.count();
    try (Progress.Watch watch = scoring("scoring users", users)) {
      ctx.writeAtomically(topN.run(queries, side).withColumnRenamed("query_idx", "user_idx"), ctx.paths().candidates());
    }
    Dataset<Row> written = ctx.read(ctx.paths().candidates());
    long scored = written.count();
    report.count("users scored", scored);
    report.count("users with an empty list", written.where("size(recs) = 0").count());
    long itemCount = itemVectors.count();
    report.count("items scorable", itemCount);
    report.phaseDone("user candidates", scored, "users");
    // The vectors alone: the queries' seen lists would cost a second aggregation of the matrix.
    compareWithRoof("user candidates", userVectors, "user_idx", users, side, n, backend);

    progress.phase("starter lists per user segment and per item category");
    Dataset<Row> personal = userVectors.where(col("source").isin(ColdStart.ALS, ColdStart.FOLD_IN))
        .join(ctx.read(ctx.paths().userTable()).select("user_idx", "segment"), "user_idx");
    ctx.writeAtomically(StarterLists.segmentLists(StarterLists.segmentMeans(personal), side, topN),
        ctx.paths().segmentLists());
    ctx.writeAtomically(StarterLists.categoryLists(ctx.read(ctx.paths().itemTable()), itemVectors, ColdStart.ALS,
        excluded, config.get(ConfigKeys.LIST_SIZE)), ctx.paths().categoryLists());
    report.count("segment starter lists (with " + StarterLists.ALL + ")", ctx.read(ctx.paths().segmentLists()).count());
    report.count("category lists", ctx.read(ctx.paths().categoryLists()).count());
    report.phaseDone("starter lists");

    int m = config.get(ConfigKeys.SIMILAR_M);
    progress.phase("top-" + m + " similar items (cosine)");
    // Scored as the similar items' kernel sees them; the side is collected once, for the lists and for the roof.
    Dataset<Row> scoredItems = Scoring.from(config, ConfigKeys.SIMILAR_SCORING).items(itemVectors.select("item_idx",
        "vector"));
    ItemSide similarSide = ItemSide.exact(FactorMatrix.collect(scoredItems, "item_idx"), excluded);
    try (Progress.Watch watch = scoring("scoring items", itemCount)) {
      ctx.writeAtomically(similarItems(scoredItems, similarSide, m, config.get(ConfigKeys.BLOCK_SIZE)),
          ctx.paths().similarItems());
    }
    long withSimilar = ctx.read(ctx.paths().similarItems()).count();
    report.count("items with similar lists", withSimilar);
    report.phaseDone("similar items", withSimilar, "items");
    compareWithRoof("similar items", scoredItems, "item_idx", itemCount, similarSide, m, TopNKernel.Backend.AUTO);

    report.output("candidates", ctx.paths().candidates());
    report.output("similar items", ctx.paths().similarItems());
    report.output("segment starter lists", ctx.paths().segmentLists());
    report.output("category lists", ctx.paths().categoryLists());
    return ctx.finish(report);
  }

  /**
   * Reports a scoring phase's time against the kernel's roof at the same shape, measured now (after the phase,
   * so that the phase's own time excludes it); see {@link RoofProbe}.
   */
  private void compareWithRoof(String phase, Dataset<Row> queries, String idCol, long count, ItemSide side, int n,
      TopNKernel.Backend backend) {
    progress.phase("timing the kernel alone for " + phase + " (its roof)");
    RoofProbe.measure(ctx.spark(), queries, idCol, count, side, n, config.get(ConfigKeys.BLOCK_SIZE), backend)
        .ifPresent(roof -> report.metric(phase + " against the roof", roof.against(report.timings().get(phase))));
    report.phaseDone("roof timing");
  }

  /** The top-N kernel as configured: list length, user block size, broadcast budget, backend. */
  public static BlockedTopN kernel(PipelineConfig config) {
    return new BlockedTopN(config.get(ConfigKeys.CANDIDATES_N), config.get(ConfigKeys.BLOCK_SIZE),
        config.get(ConfigKeys.BROADCAST_BUDGET_MB) * (1L << 20),
        TopNKernel.Backend.parse(config.get(ConfigKeys.CANDIDATES_KERNEL)));
  }

  /**
   * Progress of a scoring write: one output row per query, counted as tasks finish (a task scores
   * its partition's queries block by block), printed at most every 5 seconds with rate and ETA.
   */
  private Progress.Watch scoring(String what, long queries) {
    int block = config.get(ConfigKeys.BLOCK_SIZE);
    return progress.watch(what + " in blocks of " + block, queries, Progress.Units.rowsWritten(),
        done -> "~" + (done + block - 1) / block + " of " + (queries + block - 1) / block + " blocks", 5.0);
  }

  /**
   * The IVF side of the approximate mode: k-means clusters of the item vectors and, unless configured,
   * the fewest probes reaching the target Recall@N against exact on a sample of up to 1000 users
   * (their vectors scored both ways on the driver). The recall is reported: the approximate mode
   * always says what it gave up.
   */
  private ItemSide approximateSide(FactorMatrix items, Set<Integer> excluded, Dataset<Row> userVectors, int n) {
    int clusters = config.get(ConfigKeys.IVF_CLUSTERS) > 0 ? config.get(ConfigKeys.IVF_CLUSTERS)
        : Ivf.defaultClusters(items.size());
    int configuredProbes = config.get(ConfigKeys.IVF_PROBES);
    ItemSide ivf = Ivf.build(ctx.spark(), items, excluded, clusters, Math.max(1, configuredProbes),
        config.get(ConfigKeys.SEED), Ivf.DEFAULT_MAX_ITER, Ivf.DEFAULT_SAMPLE);
    // A seeded sample of up to 1000 users for the recall measurement.
    long users = Math.max(1, userVectors.count());
    List<Row> sample = userVectors.sample(false, Math.min(1.0, 1500.0 / users), config.get(ConfigKeys.SEED))
        .limit(1000).collectAsList();
    int rank = items.rank();
    float[] q = new float[sample.size() * rank];
    for (int i = 0; i < sample.size(); i++) {
      List<Float> v = sample.get(i).getList(sample.get(i).fieldIndex("vector"));
      for (int f = 0; f < rank; f++) {
        q[i * rank + f] = v.get(f);
      }
    }
    ItemSide exact = ItemSide.exact(items, excluded);
    double target = config.get(ConfigKeys.IVF_TARGET_RECALL);
    Ivf.Calibration cal = configuredProbes > 0
        ? new Ivf.Calibration(configuredProbes, Ivf.recallOf(ivf, exact, q, sample.size(), n), Map.of())
        : Ivf.calibrate(ivf, exact, q, sample.size(), n, target);
    ItemSide side = Ivf.withProbes(ivf, cal.probes());
    report.count("IVF clusters", side.clusters());
    report.count("IVF probes per user", cal.probes());
    report.count("users in the recall sample", sample.size());
    report.metric("approximate recall@" + n + " (sample, vs exact)", cal.recall());
    return side;
  }

  /**
   * The top-{@code m} most similar items of every item through the same kernel (cosine: unit vectors
   * scored against unit vectors), each item's own id as its "seen" list so it never lists itself,
   * excluded items never listed.
   *
   * @param itemVectors {@code item_idx int, vector array<float>}
   * @return {@code item_idx int, similar array<struct<item_idx, score, rank>>}
   */
  public static Dataset<Row> similarItems(Dataset<Row> itemVectors, Set<Integer> excluded, int m, int blockSize,
      Scoring scoring) {
    Dataset<Row> scored = scoring.items(itemVectors.select("item_idx", "vector"));
    return similarItems(scored, ItemSide.exact(FactorMatrix.collect(scored, "item_idx"), excluded), m, blockSize);
  }

  /** {@link #similarItems(Dataset, Set, int, int, Scoring)} on items already scored and their side collected. */
  private static Dataset<Row> similarItems(Dataset<Row> scored, ItemSide side, int m, int blockSize) {
    Dataset<Row> itemQueries = scored.select(col("item_idx").as("query_idx"), col("vector"),
        array(col("item_idx")).as("seen"));
    return new BlockedTopN(m, blockSize).run(itemQueries, side).withColumnRenamed("query_idx", "item_idx")
        .withColumnRenamed("recs", "similar");
  }

  /** Blocklisted and unavailable items, as a set small enough to broadcast with the item matrix. */
  private Set<Integer> excludedItems() {
    return excludedItems(ctx.read(ctx.paths().blockedItems()), ctx.read(ctx.paths().itemTable()));
  }

  /**
   * The {@code item_idx} of {@code blocked} and of the unavailable items of {@code items}
   * ({@code item_idx, available}), collected into a set.
   */
  public static Set<Integer> excludedItems(Dataset<Row> blocked, Dataset<Row> items) {
    Dataset<Row> ids = blocked.select("item_idx").union(items.where("NOT available").select("item_idx"));
    Set<Integer> set = new HashSet<>();
    for (Row r : ids.distinct().collectAsList()) {
      set.add(r.getInt(0));
    }
    return set;
  }
}
