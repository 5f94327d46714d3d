package io.recsysnightly.eval;


import io.recsysnightly.RecsysException;
import io.recsysnightly.als.Confidence;
import io.recsysnightly.als.AlsTrainer;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.matrix.BuildMatrix;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Hyper-parameter search for ALS: rank, regParam, alpha, the confidence transform and the decay
 * half-life, grid or random within a budget of trials. Each trial is fitted on the training part
 * minus a validation split carved from it (each user's most recent training interactions) and
 * scored by NDCG@K on that validation split: the holdout that gives the final figure is never
 * looked at. Writes a leaderboard (Parquet) and the best configuration as a properties file that
 * {@code nightly --conf} accepts as is.
 */
public final class Tuner {
  public static final String STEP = "tune";

  /** One point of the search space. */
  public record Trial(int rank, double regParam, double alpha, String confidence, double halfLifeDays) {
    PipelineConfig apply(PipelineConfig config) {
      return config.with(ConfigKeys.ALS_RANK.name(), Integer.toString(rank))
          .with(ConfigKeys.ALS_REG.name(), Double.toString(regParam))
          .with(ConfigKeys.ALS_ALPHA.name(), Double.toString(alpha))
          .with(ConfigKeys.CONFIDENCE.name(), confidence)
          .with(ConfigKeys.HALF_LIFE_DAYS.name(), Double.toString(halfLifeDays));
    }

    String label() {
      return String.format(Locale.ROOT, "rank %d, reg %s, alpha %s, %s, half-life %s", rank, regParam, alpha,
          confidence, halfLifeDays);
    }
  }

  public static final StructType LEADERBOARD = new StructType()
      .add("position", DataTypes.IntegerType, false)
      .add("rank", DataTypes.IntegerType, false)
      .add("reg_param", DataTypes.DoubleType, false)
      .add("alpha", DataTypes.DoubleType, false)
      .add("confidence", DataTypes.StringType, false)
      .add("half_life_days", DataTypes.DoubleType, false)
      .add("ndcg", DataTypes.DoubleType, false)
      .add("recall", DataTypes.DoubleType, false)
      .add("coverage", DataTypes.DoubleType, false)
      .add("seconds", DataTypes.DoubleType, false);

  private final RunContext ctx;
  private final PipelineConfig config;
  private final Optional<java.nio.file.Path> confOut;
  private final Progress progress;
  private final StepReport report = new StepReport(STEP);

  /** @param confOut where to write the best configuration; empty: {@code <run>/tune/tuned.properties} */
  public Tuner(RunContext ctx, Optional<java.nio.file.Path> confOut) {
    this.ctx = ctx;
    this.config = ctx.config();
    this.confOut = confOut;
    this.progress = ctx.progress(STEP);
  }

  public Path leaderboardPath() {
    return new Path(ctx.paths().runDir(), "tune/leaderboard");
  }

  public StepReport execute() {
    // Without a checkpoint dir ALS ignores checkpointInterval and long fits overflow the stack.
    ctx.spark().sparkContext().setCheckpointDir(ctx.paths().checkpointDir().toString());
    List<Trial> trials = trials(config);
    int k = config.get(ConfigKeys.EVAL_K);
    Map<Double, Dataset<Row>> trainByHalfLife = new LinkedHashMap<>();
    for (Trial t : trials) {
      trainByHalfLife.computeIfAbsent(t.halfLifeDays(), this::trainingPart);
    }
    report.phaseDone("matrices");

    List<Object[]> results = new ArrayList<>();
    Progress.Tracker tracker = progress.track("fitting and validating " + trials.size() + " trials", trials.size());
    Map<Double, ValidationSplit> splits = new LinkedHashMap<>();
    for (Trial t : trials) {
      long start = System.nanoTime();
      ValidationSplit split = splits.computeIfAbsent(t.halfLifeDays(), h -> validationSplit(trainByHalfLife.get(h)));
      PipelineConfig trialConfig = t.apply(config);
      Dataset<Row> fitData = split.fit().withColumn("rating", Confidence.from(trialConfig).rating("strength"));
      AlsTrainer.Fitted model = AlsTrainer.fit(ctx.spark(), trialConfig, fitData, null, null, progress,
          "trial " + (results.size() + 1) + ": " + t.label());
      Map<String, Double> m = split.score(model.users(), model.items(), config, k);
      double seconds = (System.nanoTime() - start) / 1e9;
      results.add(new Object[] {t, m.get("ndcg@" + k), m.get("recall@" + k), m.get("coverage@" + k), seconds});
      model.release();
      tracker.advance(String.format(Locale.ROOT, "%s: ndcg@%d %.4f", t.label(), k, m.get("ndcg@" + k)));
    }
    report.phaseDone("trials");
    splits.values().forEach(ValidationSplit::release);

    results.sort(Comparator.comparingDouble((Object[] r) -> -(Double) r[1]));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      Object[] r = results.get(i);
      Trial t = (Trial) r[0];
      rows.add(RowFactory.create(i + 1, t.rank(), t.regParam(), t.alpha(), t.confidence(), t.halfLifeDays(), r[1],
          r[2], r[3], r[4]));
      if (i < 10) {
        report.metric(String.format(Locale.ROOT, "#%d ndcg@%d %.4f", i + 1, k, (Double) r[1]), t.label());
      }
    }
    ctx.writeAtomically(ctx.spark().createDataFrame(rows, LEADERBOARD).coalesce(1), leaderboardPath());
    Trial best = (Trial) results.get(0)[0];
    java.nio.file.Path out = confOut.orElseGet(() -> java.nio.file.Path.of(
        new Path(ctx.paths().runDir(), "tune/tuned.properties").toUri().getPath()));
    ctx.files().writeTextAtomically(new Path(out.toAbsolutePath().toString()),
        "# Written by recsys tune: the best of " + results.size() + " trials by validation ndcg@" + k + " ("
            + best.label() + ").\n" + best.apply(config).toPropertiesText());
    report.count("trials", results.size());
    report.output("leaderboard", leaderboardPath());
    report.output("best configuration", out.toAbsolutePath());
    report.phaseDone("leaderboard");
    return ctx.finish(report);
  }

  /** The search's trials: every grid combination, or {@code trials} distinct random draws from it. */
  public static List<Trial> trials(PipelineConfig config) {
    List<Trial> grid = new ArrayList<>();
    for (int rank : config.get(ConfigKeys.TUNE_RANKS)) {
      for (double reg : config.get(ConfigKeys.TUNE_REGS)) {
        for (double alpha : config.get(ConfigKeys.TUNE_ALPHAS)) {
          for (String confidence : config.get(ConfigKeys.TUNE_CONFIDENCES)) {
            for (double halfLife : config.get(ConfigKeys.TUNE_HALF_LIVES)) {
              grid.add(new Trial(rank, reg, alpha, confidence, halfLife));
            }
          }
        }
      }
    }
    int budget = config.get(ConfigKeys.TUNE_TRIALS);
    if (config.get(ConfigKeys.TUNE_MODE).equals("grid")) {
      if (grid.size() > budget) {
        throw RecsysException.config("The grid has %d combinations but %s=%d: raise the budget, shrink the value "
            + "lists (recsys.tune.*) or set %s=random.", grid.size(), ConfigKeys.TUNE_TRIALS.name(), budget,
            ConfigKeys.TUNE_MODE.name());
      }
      return grid;
    }
    Collections.shuffle(grid, new Random(config.get(ConfigKeys.SEED)));
    return List.copyOf(grid.subList(0, Math.min(budget, grid.size())));
  }

  /** The training part of the matrix built with this half-life (rebuilt in a side work root if it differs). */
  private Dataset<Row> trainingPart(double halfLife) {
    if (halfLife == config.get(ConfigKeys.HALF_LIFE_DAYS)) {
      return ctx.read(ctx.paths().matrixTrain());
    }
    progress.phase("rebuilding the matrix with half-life " + halfLife + " days");
    Path work = new Path(ctx.paths().runDir(), "tune/half-life=" + halfLife);
    RunContext side = RunContext.of(ctx.spark(), config.with(ConfigKeys.HALF_LIFE_DAYS.name(), Double.toString(halfLife))
        .with(ConfigKeys.WORK_ROOT.name(), work.toString()));
    new BuildMatrix(side).execute();
    return side.read(side.paths().matrixTrain());
  }

  private ValidationSplit validationSplit(Dataset<Row> train) {
    ValidationSplit split = ValidationSplit.of(train, config);
    report.count("validation pairs (half-life run)", split.validation().count());
    return split;
  }
}
