package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sort_array;

import io.recsysnightly.als.Confidence;
import io.recsysnightly.als.AlsTrainer;
import io.recsysnightly.als.TrainAls;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.knn.BlockedTopN;
import io.recsysnightly.knn.ItemSide;
import io.recsysnightly.knn.Scoring;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.rerank.BlocklistFilter;
import io.recsysnightly.rerank.RerankRules;
import io.recsysnightly.spark.ConcurrentJobs;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * ALS against its baselines on one split: fits ALS on the training part, ranks all items for every
 * held-out user (seen items excluded) with ALS, most-popular, time-decayed most-popular and
 * item-kNN, and evaluates each with {@link FullEvaluator}'s figures, every model's lists built and tallied
 * in one Spark job ({@link HeldOutLists}). {@code train} embeds the result in
 * metrics.json; the {@code evaluate} command runs it alone and writes {@code evaluation/metrics.json}.
 */
public final class EvaluateModels {
  public static final String STEP = "evaluate";
  public static final String ALS = "als";
  public static final String POPULARITY = "popularity";
  public static final String POPULARITY_DECAYED = "popularity_decayed";
  public static final String ITEM_KNN = "item_knn";
  /** Held-out users treated as newcomers: the starter list of their segment, and the global most-popular list. */
  public static final String STARTER_SEGMENT = "starter_segment";
  public static final String STARTER_POPULARITY = "starter_popularity";

  private final RunContext ctx;
  private final PipelineConfig config;
  private final StepReport report;
  private final Progress progress;
  private final boolean rerankTradeoffs;
  private boolean keepFit;
  private Fit kept;

  /** An evaluation fit's factor tables, checkpointed ({@code *_idx, vector}). */
  public record Fit(Dataset<Row> users, Dataset<Row> items) {}

  public EvaluateModels(RunContext ctx, StepReport report, Progress progress) {
    this(ctx, report, progress, ctx.config().get(ConfigKeys.EVAL_RERANK_TRADEOFFS));
  }

  /** @param rerankTradeoffs also measure ALS's lists under each re-ranking rule ({@link RerankTradeoffs}) */
  private EvaluateModels(RunContext ctx, StepReport report, Progress progress, boolean rerankTradeoffs) {
    this.ctx = ctx;
    this.config = ctx.config();
    this.report = report;
    this.progress = progress;
    this.rerankTradeoffs = rerankTradeoffs;
  }

  /** The {@code evaluate} command: evaluation only, its own metrics file, the train step's outputs untouched. */
  public static StepReport executeStandalone(RunContext ctx, boolean rerankTradeoffs) {
    StepReport report = new StepReport(STEP);
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("k", ctx.config().get(ConfigKeys.EVAL_K));
    Progress progress = ctx.progress(STEP);
    PipelineConfig used = NightlySearch.choose(ctx, metrics, report, progress);
    RunContext usedCtx = new RunContext(ctx.spark(), used, ctx.paths(), ctx.files());
    metrics.putAll(new EvaluateModels(usedCtx, report, progress,
        rerankTradeoffs || ctx.config().get(ConfigKeys.EVAL_RERANK_TRADEOFFS)).evaluate());
    metrics.put("params", TrainAls.params(used));
    Path out = standaloneMetrics(ctx);
    ctx.files().writeTextAtomically(out, StepReport.toJson(metrics));
    report.output("metrics", out);
    return ctx.finish(report);
  }

  public static Path standaloneMetrics(RunContext ctx) {
    return new Path(ctx.paths().runDir(), "evaluation/metrics.json");
  }

  /**
   * Whether {@link #evaluate()} keeps its fit's factors for {@link #evaluationFit()} (the train step's
   * final fit starts from them; keeping them costs a checkpoint write).
   */
  public EvaluateModels keepingFit(boolean keep) {
    this.keepFit = keep;
    return this;
  }

  /** The factors of the last evaluation fit when kept ({@link #keepingFit}), else null. */
  public Fit evaluationFit() {
    return kept;
  }

  /**
   * @return {@code ks, evaluated, als, popularity, popularity_decayed, item_knn} (flat metric maps,
   *     {@code ndcg@K} ..., on at most {@code recsys.eval.max-users} held-out users), {@code holdout_users}
   *     (how many there are) and {@code details} (per model: segments, buckets, long tail, ...)
   */
  public Map<String, Object> evaluate() {
    // Without a checkpoint dir ALS ignores checkpointInterval and long fits overflow the stack.
    ctx.spark().sparkContext().setCheckpointDir(ctx.paths().checkpointDir().toString());
    EvalSpec spec = EvalSpec.from(config);
    Confidence confidence = Confidence.from(config);
    Dataset<Row> train = ctx.read(ctx.paths().matrixTrain()).withColumn("rating", confidence.rating("strength"));
    Dataset<Row> fullHoldout = ctx.read(ctx.paths().matrixHoldout());
    // A phase of its own, so that the profile does not file these counts under the phase before.
    progress.phase("evaluation: counting the held-out users and the training part's items");
    long nowMicros = ctx.paths().date().plusDays(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond() * 1_000_000L;
    train.persist(StorageLevel.MEMORY_AND_DISK());
    // Independent: the held-out users' count (for the sample) beside the item info's pass over the training part.
    ConcurrentJobs.Results counted = ConcurrentJobs.all(List.<Callable<?>>of(
        () -> fullHoldout.select("user_idx").distinct().count(),
        () -> ItemInfo.load(ctx.read(ctx.paths().itemTable()), train, Baselines.decayWeight(
            config.get(ConfigKeys.POPULARITY_HALF_LIFE_DAYS), nowMicros))));
    long holdoutUsers = counted.<Long>get(0);
    Dataset<Row> holdout = UserSample.atMost(fullHoldout, holdoutUsers, config.get(ConfigKeys.EVAL_MAX_USERS),
        config.get(ConfigKeys.SEED));
    Dataset<Row> users = ctx.read(ctx.paths().userTable()).select("user_idx", "segment");
    Map<String, Object> out = compare(train, holdout, users, counted.get(1), spec);
    out.put("holdout_users", holdoutUsers);
    report.metric("held-out users", holdoutUsers);
    return out;
  }

  /**
   * The comparison of ALS and the baselines on a split.
   *
   * @param train {@code user_idx, item_idx, rating, last_ts}, persisted (unpersisted here)
   * @param holdout {@code user_idx, item_idx}
   * @param users {@code user_idx, segment}
   * @param itemInfo the catalogue and the training part's popularity, weighted by the popularity half-life
   */
  private Map<String, Object> compare(Dataset<Row> train, Dataset<Row> holdout, Dataset<Row> users,
      ItemInfo itemInfo, EvalSpec spec) {
    long knnFloats = Baselines.itemKnnFloats(itemInfo);
    boolean knn = config.get(ConfigKeys.ITEM_KNN) && knnFloats <= Baselines.ITEM_KNN_MAX_FLOATS;
    // The held-out count and the item info are the evaluation's: timed with it, not with the fit.
    report.phaseDone("evaluation");
    AlsTrainer.Fitted model = AlsTrainer.fit(ctx.spark(), config, train, null, null, progress,
        "fitting ALS on the training part");
    report.phaseDone("evaluation fit");
    // Phases of their own: without them the profile files these jobs under the fit's name.
    progress.phase("evaluation: the held-out users, their seen items and segments");
    HeldOutLists.Users heldOutUsers = HeldOutLists.collect(holdout, train, users);
    progress.phase("evaluation: what the lists are drawn from");
    // The item side as the candidates step scores it, for every list drawn from ALS; both sides come from the
    // driver's copy of the factors when the fit holds one there (no Spark job).
    ItemSide alsItems = ItemSide.exact(Scoring.from(config, ConfigKeys.CANDIDATES_SCORING)
        .items(model.itemMatrix()), Set.of());
    HeldOutLists.Sources sources = HeldOutLists.sources(alsItems, model.userMatrix(heldOutUsers.ids()),
        model.users(), users, itemInfo, knn ? train : null, spec.maxK(), config.get(ConfigKeys.BLOCK_SIZE));
    Map<String, Map<String, Double>> tradeoffs = Map.of();
    if (rerankTradeoffs) {
      report.phaseDone("evaluation"); // the preparations above are the evaluation's, not the trade-offs'
      Dataset<Row> heldOut = holdout.select("user_idx").distinct();
      Dataset<Row> seen = train.join(broadcast(heldOut), "user_idx", "left_semi").groupBy("user_idx")
          .agg(sort_array(collect_list("item_idx")).as("seen"), count(lit(1)).as("n_train"))
          .persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> alsQueries = heldOut.join(seen, "user_idx", "left").join(model.users(), "user_idx")
          .select(col("user_idx").as("query_idx"), col("vector"), col("seen"));
      Dataset<Row> userInfo = users.join(seen.select("user_idx", "n_train"), "user_idx", "right");
      tradeoffs = measureRerankTradeoffs(model, alsQueries, alsItems, train, holdout, userInfo, itemInfo, spec);
      seen.unpersist();
    }
    progress.phase("evaluating " + sources.models().size() + " models' lists on the holdout in one pass: "
        + String.join(", ", sources.models()));
    Map<String, Object> flat = new LinkedHashMap<>();
    Map<String, Object> details = new LinkedHashMap<>();
    HeldOutLists.evaluate(JavaSparkContext.fromSparkContext(ctx.spark().sparkContext()), heldOutUsers, sources,
        spec, itemInfo, config.get(ConfigKeys.BLOCK_SIZE)).forEach((name, e) -> {
          flat.put(name, e.metrics());
          details.put(name, e.details());
        });
    if (!knn) {
      flat.put(ITEM_KNN + "_skipped", config.get(ConfigKeys.ITEM_KNN)
          ? "users x items = " + knnFloats + " exceeds " + Baselines.ITEM_KNN_MAX_FLOATS
          : ConfigKeys.ITEM_KNN.name() + "=false");
    }
    report.phaseDone("evaluation");
    train.unpersist();
    // Kept for the final fit to start from: checkpointed (eager, to the checkpoint dir) because a cached
    // table's lineage would still name the fit's broadcasts, which release() destroys, and a checkpoint
    // survives the loss of an executor where a cache would not.
    if (keepFit) {
      kept = new Fit(model.users().checkpoint(true), model.items().checkpoint(true));
      report.phaseDone("keeping the evaluation fit for the final fit");
    }
    model.release();

    String ndcg = "ndcg@" + spec.focusK();
    for (String m : new String[] {ALS, POPULARITY, POPULARITY_DECAYED, ITEM_KNN, STARTER_SEGMENT, STARTER_POPULARITY}) {
      if (flat.get(m) instanceof Map<?, ?> metrics) {
        report.metric(m + " " + ndcg, metrics.get(ndcg));
      }
    }
    @SuppressWarnings("unchecked")
    Map<String, Double> als = (Map<String, Double>) flat.get(ALS);
    report.metric("ALS recall@" + spec.focusK(), als.get("recall@" + spec.focusK()));
    report.metric("ALS coverage@" + spec.focusK(), als.get("coverage@" + spec.focusK()));
    report.metric("users evaluated", als.get("users_evaluated").longValue());

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ks", spec.ks());
    out.put("evaluated", true);
    out.putAll(flat);
    if (!tradeoffs.isEmpty()) {
      out.put("rerank_tradeoffs", tradeoffs);
    }
    out.put("details", details);
    return out;
  }

  private Map<String, Map<String, Double>> measureRerankTradeoffs(AlsTrainer.Fitted model, Dataset<Row> alsQueries,
      ItemSide alsItems, Dataset<Row> train, Dataset<Row> holdout, Dataset<Row> userInfo, ItemInfo itemInfo,
      EvalSpec spec) {
    progress.phase("re-ranking trade-offs on ALS's candidates");
    int depth = Math.max(config.get(ConfigKeys.CANDIDATES_N), spec.maxK());
    Dataset<Row> candidates = new BlockedTopN(depth, config.get(ConfigKeys.BLOCK_SIZE)).run(alsQueries, alsItems);
    Broadcast<BlocklistFilter> blocklist = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext())
        .broadcast(BlocklistFilter.build(ctx.read(ctx.paths().blockedItems()).select("item_idx"),
            config.get(ConfigKeys.BLOOM_FPP)));
    Map<String, Map<String, Double>> tradeoffs = new RerankTradeoffs(spec, RerankRules.from(config))
        .measure(candidates, train, ctx.read(ctx.paths().itemTable()), model.items(), blocklist,
            ctx.paths().date(), holdout, userInfo, itemInfo);
    tradeoffs.forEach((setting, m) -> report.metric("re-ranked ALS, " + setting, m.toString()));
    report.phaseDone("re-ranking trade-offs");
    return tradeoffs;
  }
}
