package io.recsysnightly.bench;

import io.recsysnightly.RecsysException;
import io.recsysnightly.als.AlsFit;
import io.recsysnightly.als.AlsMatrix;
import io.recsysnightly.als.AlsTrainer;
import io.recsysnightly.als.Confidence;
import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.als.Factors;
import io.recsysnightly.als.NativeAls;
import io.recsysnightly.als.Regularization;
import io.recsysnightly.als.TrainAls;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.eval.ValidationQueries;
import io.recsysnightly.eval.ValidationSplit;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.knn.Scoring;
import io.recsysnightly.matrix.BuildMatrix;
import io.recsysnightly.report.Progress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.storage.StorageLevel;

/**
 * The training benchmark: on the run's training part, in one Spark application, our native solver
 * against Spark MLlib's {@code ALS.fit} with the same rank, sweeps, λ, α and blocks: wall time (each
 * fit from the cached ratings to materialised factor tables, after one warm-up sweep of each), the
 * objective of both factor sets computed the same way, and NDCG@10 of both on the holdout. Optionally
 * exports the same matrix for the {@code implicit} reference script.
 */
public final class TrainBench {
  /**
   * @param export folder to write {@code train.csv}, {@code holdout.csv} ({@code user_idx,item_idx,rating})
   *     and {@code params.json} into, for {@code jobs/bench/implicit_reference.py}
   * @param warmStart also measure the warm start on two nights (see {@link #warmStart})
   */
  public record Params(int rank, int sweeps, int runs, Optional<String> export, boolean warmStart) {}

  private final RunContext ctx;
  private final Params p;

  public TrainBench(RunContext ctx, Params params) {
    this.ctx = ctx;
    this.p = params;
  }

  public Map<String, Object> run() {
    PipelineConfig config = ctx.config().with(ConfigKeys.ALS_RANK.name(), Integer.toString(p.rank()))
        .with(ConfigKeys.ALS_MAX_ITER.name(), Integer.toString(p.sweeps()));
    Regularization reg = AlsTrainer.regularization(config);
    if (reg.frequencyScaled() || reg.unobservedWeight() != 1.0) {
      throw RecsysException.config("bench --stage train compares with ALS.fit, which minimises MLlib's objective "
          + "only: set %s=mllib and %s=1.", ConfigKeys.ALS_REGULARIZATION.name(), ConfigKeys.ALS_UNOBSERVED_WEIGHT.name());
    }
    ctx.spark().sparkContext().setCheckpointDir(ctx.paths().checkpointDir().toString());
    if (!ctx.files().exists(ctx.paths().matrixTrain())) {
      new BuildMatrix(ctx).execute();
    }
    Progress progress = ctx.progress("bench");
    Dataset<Row> train = ctx.read(ctx.paths().matrixTrain())
        .withColumn("rating", Confidence.from(config).rating("strength"))
        .select("user_idx", "item_idx", "rating", "strength", "last_ts").persist(StorageLevel.MEMORY_AND_DISK());
    long interactions = train.count();
    Dataset<Row> holdout = ctx.read(ctx.paths().matrixHoldout());
    p.export().ifPresent(dir -> export(train, holdout, config, dir));

    // Ours runs (warm-up and timed) before ALS.fit: once MLlib's ALS has run netlib's VectorBLAS in a
    // JVM, JDK 17's C2 stops intrinsifying part of our Vector API calls (measured: our kernel about 3x
    // slower). The nightly never calls MLlib's BLAS with the native solver, so this order times what a
    // nightly sees; ALS.fit, which uses no Vector API of ours, is timed the same in either order.
    PipelineConfig warm = config.with(ConfigKeys.ALS_MAX_ITER.name(), "1");
    progress.phase("native: warm-up (one sweep)");
    fitNative(warm, train).release();

    List<Double> nativeSeconds = new ArrayList<>();
    List<Double> matrixSeconds = new ArrayList<>();
    List<Double> fitSeconds = new ArrayList<>();
    AlsFit ours = null;
    AlsMatrix oursMatrix = null;
    for (int run = 1; run <= p.runs(); run++) {
      // Each run starts from a collected heap, so it does not pay for the garbage of the one before.
      if (ours != null) {
        ours.release();
        oursMatrix.release();
      }
      System.gc();
      progress.phase("run " + run + " of " + p.runs() + ": native");
      long start = System.nanoTime();
      oursMatrix = AlsMatrix.of(train, config.get(ConfigKeys.ALS_BLOCKS));
      long built = System.nanoTime();
      matrixSeconds.add((built - start) / 1e9);
      ours = new NativeAls(ctx.spark(), AlsTrainer.settings(config, false)).fit(oursMatrix, null, null, progress,
          "run " + run + ": native");
      fitSeconds.add((System.nanoTime() - built) / 1e9);
      ours.users().count();
      ours.items().count();
      nativeSeconds.add((System.nanoTime() - start) / 1e9);
    }

    Map<String, Object> warmStart = p.warmStart() ? warmStart(config, ours, progress) : null;

    progress.phase("ALS.fit: warm-up (one sweep)");
    fitMllib(warm, train);
    List<Double> mllibSeconds = new ArrayList<>();
    ALSModel mllib = null;
    for (int run = 1; run <= p.runs(); run++) {
      System.gc();
      progress.phase("run " + run + " of " + p.runs() + ": ALS.fit");
      long start = System.nanoTime();
      mllib = fitMllib(config, train);
      mllibSeconds.add((System.nanoTime() - start) / 1e9);
    }

    progress.phase("objective and holdout NDCG@10 of both");
    double mllibLoss = new NativeAls(ctx.spark(), AlsTrainer.settings(config, false))
        .loss(oursMatrix, Factors.users(mllib), Factors.items(mllib));
    ValidationSplit split = ValidationSplit.between(train, holdout);
    ValidationQueries queries = ValidationQueries.collect(split);
    Scoring scoring = Scoring.from(config, ConfigKeys.CANDIDATES_SCORING);
    int blockSize = config.get(ConfigKeys.BLOCK_SIZE);
    double mllibNdcg = queries.ndcgAndRecall(FactorMatrix.collect(Factors.users(mllib), "user_idx"),
        FactorMatrix.collect(Factors.items(mllib), "item_idx"), scoring, 10, blockSize).get("ndcg@10");
    double nativeNdcg = queries.ndcgAndRecall(ours.userMatrix(queries.users()), ours.itemMatrix(), scoring, 10,
        blockSize).get("ndcg@10");
    split.release();

    Map<String, Object> f = new LinkedHashMap<>();
    f.put("stage", "train");
    f.put("users", oursMatrix.users().rows());
    f.put("items", oursMatrix.items().rows());
    f.put("interactions", interactions);
    f.put("params", TrainAls.params(config));
    f.put("runs", p.runs());
    f.put("mllib", figures(mllibSeconds, mllibLoss, mllibNdcg));
    Map<String, Object> nativeFigures = figures(nativeSeconds, ours.finalLoss(), nativeNdcg);
    nativeFigures.put("matrix_build_median_s", median(matrixSeconds));
    // The part comparable with the implicit library's fit(): a built matrix in, factors in memory out.
    nativeFigures.put("fit_only_median_s", median(fitSeconds));
    f.put("native", nativeFigures);
    f.put("speedup", median(mllibSeconds) / median(nativeSeconds));
    f.put("loss_ratio_native_over_mllib", ours.finalLoss() / mllibLoss);
    if (warmStart != null) {
      f.put("warm_start", warmStart);
    }
    ours.release();
    oursMatrix.release();
    train.unpersist();
    return f;
  }

  /**
   * Two nights: night one is the training part (the fit just timed), night two is all interactions up
   * to the run date (night one plus the newest events). Night two is fitted cold and warm-started from
   * night one's factors, the objective tracked every sweep: how many sweeps the warm fit needs to reach
   * the cold fit's final objective, and how stable each fit keeps the vectors (median cosine between a
   * user's, or an item's, vectors on the two nights).
   */
  private Map<String, Object> warmStart(PipelineConfig config, AlsFit nightOne, Progress progress) {
    Dataset<Row> all = ctx.read(ctx.paths().matrixAll()).withColumn("rating", Confidence.from(config).rating("strength"))
        .select("user_idx", "item_idx", "rating").persist(StorageLevel.MEMORY_AND_DISK());
    AlsMatrix m = AlsMatrix.of(all, config.get(ConfigKeys.ALS_BLOCKS));
    Dataset<Row> oneUsers = nightOne.users().persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> oneItems = nightOne.items().persist(StorageLevel.MEMORY_AND_DISK());
    NativeAls solver = new NativeAls(ctx.spark(), AlsTrainer.settings(config, true));
    progress.phase("warm start: night two (all interactions) cold");
    AlsFit cold = solver.fit(m, null, null, progress, "night two, cold");
    Map<String, Object> coldFigures = nightFigures(cold, oneUsers, oneItems);
    cold.release();
    progress.phase("warm start: night two warm-started from night one");
    AlsFit warm = solver.fit(m, oneUsers, oneItems, progress, "night two, warm");
    Map<String, Object> warmFigures = nightFigures(warm, oneUsers, oneItems);
    double target = cold.finalLoss();
    int reached = 0;
    for (int sweep = warm.losses().size(); sweep >= 1 && warm.losses().get(sweep - 1) <= target; sweep--) {
      reached = sweep;
    }
    warm.release();
    m.release();
    oneUsers.unpersist();
    oneItems.unpersist();
    all.unpersist();
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("night_two_interactions", m.users().interactions());
    f.put("cold", coldFigures);
    f.put("warm", warmFigures);
    // 0: the warm fit never reached the cold fit's final objective within the sweeps.
    f.put("warm_sweeps_to_cold_objective", reached);
    return f;
  }

  private static Map<String, Object> nightFigures(AlsFit fit, Dataset<Row> oneUsers, Dataset<Row> oneItems) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("objective_each_sweep", fit.losses());
    f.put("median_cosine_users", medianCosine(fit.users(), oneUsers, "user_idx"));
    f.put("median_cosine_items", medianCosine(fit.items(), oneItems, "item_idx"));
    return f;
  }

  /** The median, over ids in both, of the cosine between their vectors in {@code a} and {@code b}. */
  private static double medianCosine(Dataset<Row> a, Dataset<Row> b, String id) {
    Dataset<Row> pairs = a.withColumnRenamed("vector", "a").join(b.withColumnRenamed("vector", "b"), id);
    return pairs.selectExpr("aggregate(zip_with(a, b, (x, y) -> double(x) * y), 0D, (s, v) -> s + v) "
            + "/ sqrt(aggregate(a, 0D, (s, v) -> s + double(v) * v) * aggregate(b, 0D, (s, v) -> s + double(v) * v)) "
            + "AS cosine")
        .selectExpr("percentile(cosine, 0.5)").first().getDouble(0);
  }

  private static Map<String, Object> figures(List<Double> seconds, double loss, double ndcg) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("median_s", median(seconds));
    m.put("seconds", seconds);
    m.put("loss", loss);
    m.put("ndcg@10", ndcg);
    return m;
  }

  private static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** ALS.fit with its factor tables materialised (a fit is lazy until they are read). */
  private ALSModel fitMllib(PipelineConfig config, Dataset<Row> train) {
    ALSModel model = TrainAls.als(config).fit(train);
    model.userFactors().count();
    model.itemFactors().count();
    return model;
  }

  private AlsFit fitNative(PipelineConfig config, Dataset<Row> train) {
    AlsMatrix m = AlsMatrix.of(train, config.get(ConfigKeys.ALS_BLOCKS));
    AlsFit fit = new NativeAls(ctx.spark(), AlsTrainer.settings(config, false)).fit(m, null, null, null, null);
    m.release();
    return fit;
  }

  private void export(Dataset<Row> train, Dataset<Row> holdout, PipelineConfig config, String dir) {
    train.select("user_idx", "item_idx", "rating").coalesce(1).write().mode(SaveMode.Overwrite)
        .option("header", true).csv(dir + "/train");
    holdout.select("user_idx", "item_idx").coalesce(1).write().mode(SaveMode.Overwrite)
        .option("header", true).csv(dir + "/holdout");
    Map<String, Object> params = new LinkedHashMap<>(TrainAls.params(config));
    ctx.files().writeTextAtomically(new org.apache.hadoop.fs.Path(dir, "params.json"),
        io.recsysnightly.report.StepReport.toJson(params));
  }
}
