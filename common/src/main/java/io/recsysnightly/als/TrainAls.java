package io.recsysnightly.als;

import static org.apache.spark.sql.functions.count;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.eval.EvaluateModels;
import io.recsysnightly.eval.ForwardCheck;
import io.recsysnightly.eval.NightlySearch;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import java.util.LinkedHashMap;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
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
    PipelineConfig used = NightlySearch.choose(ctx, metrics, report, progress);
    // The evaluation fit and the final fit use the chosen parameters; paths do not depend on them.
    RunContext usedCtx = new RunContext(ctx.spark(), used, ctx.paths(), ctx.files());
    // The final fit starts from the previous run's factors when asked (vectors stable night to night),
    // else from the evaluation fit's (same parameters, the same data but the newest events), and then
    // needs fewer sweeps. The evaluation fit itself always starts cold: the previous run's factors have
    // seen part of today's holdout.
    boolean nativeSolver = used.get(ConfigKeys.ALS_SOLVER).equals("native");
    Optional<LocalDate> warmFrom = nativeSolver && config.get(ConfigKeys.ALS_WARM_START)
        ? TrainedParams.previousRun(ctx) : Optional.empty();
    EvaluateModels.Fit evaluationFit = null;
    if (config.get(ConfigKeys.EVALUATE)) {
      EvaluateModels evaluation = new EvaluateModels(usedCtx, report, progress)
          .keepingFit(nativeSolver && warmFrom.isEmpty());
      metrics.putAll(evaluation.evaluate());
      evaluationFit = evaluation.evaluationFit();
    } else {
      metrics.put("evaluated", false);
    }
    if (config.get(ConfigKeys.FORWARD_CHECK)) {
      metrics.put("forward", new ForwardCheck(ctx, report, progress, k).execute());
    }

    Dataset<Row> startUsers = null;
    Dataset<Row> startItems = null;
    if (warmFrom.isPresent()) {
      startUsers = ctx.read(ctx.paths().userFactors(warmFrom.get()));
      startItems = ctx.read(ctx.paths().itemFactors(warmFrom.get()));
      metrics.put("final_fit_started_from", warmFrom.get().toString());
      metrics.put("warm_start_from", warmFrom.get().toString());
    } else if (evaluationFit != null) {
      startUsers = evaluationFit.users();
      startItems = evaluationFit.items();
      metrics.put("final_fit_started_from", "evaluation fit");
    } else {
      metrics.put("final_fit_started_from", "random");
    }
    PipelineConfig finalFit = used;
    if (startUsers != null) {
      int sweeps = Math.min(config.get(ConfigKeys.ALS_WARM_SWEEPS), used.get(ConfigKeys.ALS_MAX_ITER));
      finalFit = used.with(ConfigKeys.ALS_MAX_ITER.name(), Integer.toString(sweeps));
      progress.phase("final fit starts from the factors of " + (warmFrom.isPresent() ? "the run of " + warmFrom.get()
          : "the evaluation fit") + ": " + sweeps + " sweeps");
    }
    metrics.put("final_fit_sweeps", finalFit.get(ConfigKeys.ALS_MAX_ITER));
    AlsTrainer.Fitted model = AlsTrainer.fit(ctx.spark(), finalFit, all, startUsers, startItems,
        progress, "fitting ALS on all interactions up to " + ctx.paths().date());
    ctx.writeAtomically(model.users(), ctx.paths().userFactors(ctx.paths().date()));
    ctx.writeAtomically(model.items(), ctx.paths().itemFactors(ctx.paths().date()));
    model.release();
    TrainedParams.write(ctx, used);
    report.count("user factors", ctx.read(ctx.paths().userFactors(ctx.paths().date())).count());
    report.count("item factors", ctx.read(ctx.paths().itemFactors(ctx.paths().date())).count());
    report.phaseDone("final fit");

    metrics.put("params", params(used));
    ctx.files().writeTextAtomically(ctx.paths().metricsJson(), StepReport.toJson(metrics));
    report.output("factors", ctx.paths().userFactors(ctx.paths().date()).getParent());
    report.output("metrics", ctx.paths().metricsJson());
    return ctx.finish(report);
  }

  /**
   * Fits {@code als} on {@code data}, printing its iterations with rate and ETA. ALS runs one stage
   * named "flatMap at ALS.scala:..." per half-sweep (Spark 4.1: exactly two per iteration, which
   * SparkProgressTest checks), so finished stages of that name count half-iterations.
   */
  public static ALSModel fit(ALS als, Dataset<Row> data, Progress progress, String what) {
    int iterations = als.getMaxIter();
    try (Progress.Watch watch = progress.watch(what, 2L * iterations, Progress.Units.stagesNamed("flatMap at ALS.scala"),
        halfSweeps -> "iteration " + (halfSweeps + 1) / 2 + " of " + iterations, 2.0)) {
      return als.fit(data);
    }
  }

  /** The ALS estimator the configuration describes (also used by evaluation and tuning). */
  public static ALS als(PipelineConfig config) {
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

  /** The model parameters recorded beside the metrics. */
  public static Map<String, Object> params(PipelineConfig config) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("solver", config.get(ConfigKeys.ALS_SOLVER));
    p.put("rank", config.get(ConfigKeys.ALS_RANK));
    p.put("reg_param", config.get(ConfigKeys.ALS_REG));
    p.put("regularization", config.get(ConfigKeys.ALS_REGULARIZATION));
    p.put("unobserved_weight", config.get(ConfigKeys.ALS_UNOBSERVED_WEIGHT));
    p.put("reg_exponent", config.get(ConfigKeys.ALS_REG_EXPONENT));
    p.put("alpha", config.get(ConfigKeys.ALS_ALPHA));
    p.put("confidence", config.get(ConfigKeys.CONFIDENCE));
    p.put("max_iter", config.get(ConfigKeys.ALS_MAX_ITER));
    p.put("half_life_days", config.get(ConfigKeys.HALF_LIFE_DAYS));
    p.put("seed", config.get(ConfigKeys.SEED));
    return p;
  }
}
