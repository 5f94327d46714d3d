package io.recsysnightly.als;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sort_array;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.eval.Evaluator;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.knn.BlockedTopN;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Step 2: implicit-feedback ALS. An evaluation fit on the training part is scored on the holdout
 * (all items ranked, seen items excluded) beside a most-popular baseline; the published factors
 * come from a second fit on all interactions up to the run date, the best signal for tomorrow.
 */
public final class TrainAls {
  public static final String STEP = "train";

  private final RunContext ctx;
  private final PipelineConfig config;
  private final Progress progress;
  private final StepReport report = new StepReport(STEP);

  public TrainAls(RunContext ctx) {
    this.ctx = ctx;
    this.config = ctx.config();
    this.progress = ctx.progress(STEP);
  }

  public StepReport execute() {
    // Without a checkpoint dir ALS ignores checkpointInterval and long runs overflow the stack.
    ctx.spark().sparkContext().setCheckpointDir(ctx.paths().checkpointDir().toString());
    Confidence confidence = Confidence.from(config);
    Dataset<Row> all = ctx.read(ctx.paths().matrixAll()).withColumn("rating", confidence.rating("strength"));
    report.count("interactions", all.count());

    Map<String, Object> metrics = new LinkedHashMap<>();
    int k = config.get(ConfigKeys.EVAL_K);
    metrics.put("k", k);
    if (config.get(ConfigKeys.EVALUATE)) {
      metrics.putAll(evaluate(confidence, k));
    } else {
      metrics.put("evaluated", false);
    }

    progress.phase("fitting ALS on all interactions up to " + ctx.paths().date());
    ALSModel model = als().fit(all);
    ctx.writeAtomically(Factors.users(model), ctx.paths().userFactors(ctx.paths().date()));
    ctx.writeAtomically(Factors.items(model), ctx.paths().itemFactors(ctx.paths().date()));
    report.count("user factors", ctx.read(ctx.paths().userFactors(ctx.paths().date())).count());
    report.count("item factors", ctx.read(ctx.paths().itemFactors(ctx.paths().date())).count());
    report.phaseDone("final fit");

    metrics.put("params", params());
    ctx.files().writeTextAtomically(ctx.paths().metricsJson(), StepReport.toJson(metrics));
    report.output("factors", ctx.paths().userFactors(ctx.paths().date()).getParent());
    report.output("metrics", ctx.paths().metricsJson());
    return ctx.finish(report);
  }

  private Map<String, Object> evaluate(Confidence confidence, int k) {
    progress.phase("fitting ALS on the training part for evaluation");
    Dataset<Row> train = ctx.read(ctx.paths().matrixTrain()).withColumn("rating", confidence.rating("strength"));
    Dataset<Row> holdout = ctx.read(ctx.paths().matrixHoldout());
    ALSModel model = als().fit(train);
    report.phaseDone("evaluation fit");

    progress.phase("ranking all items for held-out users (ALS and most-popular)");
    long catalogue = ctx.read(ctx.paths().itemTable()).count();
    Dataset<Row> seen = train.groupBy("user_idx").agg(sort_array(collect_list("item_idx")).as("seen"));
    Dataset<Row> holdoutUsers = holdout.select("user_idx").distinct().join(seen, "user_idx", "left");
    BlockedTopN topK = new BlockedTopN(k, config.get(ConfigKeys.BLOCK_SIZE));

    Dataset<Row> alsQueries = holdoutUsers.join(Factors.users(model), "user_idx")
        .select(col("user_idx").as("query_idx"), col("vector"), col("seen"));
    Map<String, Double> alsMetrics = Evaluator.evaluate(topK.run(alsQueries, Factors.items(model), Set.of()),
        holdout, k, catalogue);

    // Most popular = a rank-1 model: every user is [1], every item is [number of training users].
    Dataset<Row> popularity = train.groupBy("item_idx").agg(count(lit(1)).cast("float").as("pop"))
        .select(col("item_idx"), array(col("pop")).as("vector"));
    Dataset<Row> popQueries = holdoutUsers.select(col("user_idx").as("query_idx"),
        array(lit(1.0f)).as("vector"), col("seen"));
    Map<String, Double> popMetrics = Evaluator.evaluate(topK.run(popQueries, popularity, Set.of()),
        holdout, k, catalogue);
    report.phaseDone("evaluation");

    String ndcg = "ndcg@" + k;
    report.metric("ALS " + ndcg, alsMetrics.get(ndcg));
    report.metric("popularity " + ndcg, popMetrics.get(ndcg));
    report.metric("ALS recall@" + k, alsMetrics.get("recall@" + k));
    report.metric("ALS coverage@" + k, alsMetrics.get("coverage@" + k));
    report.metric("users evaluated", alsMetrics.get("users_evaluated").longValue());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("evaluated", true);
    out.put("als", alsMetrics);
    out.put("popularity", popMetrics);
    return out;
  }

  private ALS als() {
    int blocks = config.get(ConfigKeys.ALS_BLOCKS);
    return new ALS()
        .setImplicitPrefs(true)
        .setRank(config.get(ConfigKeys.ALS_RANK))
        .setRegParam(config.get(ConfigKeys.ALS_REG))
        .setAlpha(config.get(ConfigKeys.ALS_ALPHA))
        .setMaxIter(config.get(ConfigKeys.ALS_MAX_ITER))
        .setNumUserBlocks(blocks)
        .setNumItemBlocks(blocks)
        .setCheckpointInterval(config.get(ConfigKeys.ALS_CHECKPOINT_INTERVAL))
        .setSeed(config.get(ConfigKeys.SEED))
        .setUserCol("user_idx")
        .setItemCol("item_idx")
        .setRatingCol("rating")
        .setColdStartStrategy("drop");
  }

  private Map<String, Object> params() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("rank", config.get(ConfigKeys.ALS_RANK));
    p.put("reg_param", config.get(ConfigKeys.ALS_REG));
    p.put("alpha", config.get(ConfigKeys.ALS_ALPHA));
    p.put("confidence", config.get(ConfigKeys.CONFIDENCE));
    p.put("max_iter", config.get(ConfigKeys.ALS_MAX_ITER));
    p.put("seed", config.get(ConfigKeys.SEED));
    return p;
  }
}
