package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.avg;

import io.recsysnightly.als.AlsFit;
import io.recsysnightly.als.AlsMatrix;
import io.recsysnightly.als.AlsTrainer;
import io.recsysnightly.als.Confidence;
import io.recsysnightly.als.DataDerivedParams;
import io.recsysnightly.als.NativeAls;
import io.recsysnightly.als.Regularization;
import io.recsysnightly.als.TrainedParams;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.knn.Scoring;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * train's nightly choice of rank, λ, α and the regularisation form (with its α₀ and ν): a coordinate
 * search on log scales over a validation split carved from the training part, with the native solver.
 * It starts from the configured point, last night's choice and the configured point carried to the
 * other regularisation form; it moves one parameter at a time (λ, α and α₀ by ×10, then ×√10, ..., α
 * with λ scaled by the mean confidence 1 + α·r̄, rank
 * to the neighbouring value of {@code recsys.tune.ranks}, ν by 0.5, the form with λ carried over), keeps a move that
 * raises validation NDCG@K, and stops when no move does at the finest steps, after
 * {@code recsys.tune.trials} fits of {@code recsys.tune.sweeps} sweeps each, or at
 * {@code recsys.tune.budget-seconds}. One matrix serves every
 * trial: it keeps the ratings before α.
 */
public final class NightlySearch {
  private static final double MIN_GAIN = 1e-4;

  /**
   * A point of the search space. λ's meaning depends on the form: MLlib's λ·n, or λ·(n + α₀·N)^ν.
   */
  public record Point(int rank, double lambda, double alpha, boolean frequency, double exponent,
      double unobservedWeight) {

    public static Point of(PipelineConfig c) {
      return new Point(c.get(ConfigKeys.ALS_RANK), c.get(ConfigKeys.ALS_REG), c.get(ConfigKeys.ALS_ALPHA),
          c.get(ConfigKeys.ALS_REGULARIZATION).equals(Regularization.FREQUENCY), c.get(ConfigKeys.ALS_REG_EXPONENT),
          c.get(ConfigKeys.ALS_UNOBSERVED_WEIGHT));
    }

    public PipelineConfig apply(PipelineConfig c) {
      return c.with(ConfigKeys.ALS_RANK.name(), Integer.toString(rank))
          .with(ConfigKeys.ALS_REG.name(), num(lambda))
          .with(ConfigKeys.ALS_ALPHA.name(), num(alpha))
          .with(ConfigKeys.ALS_REGULARIZATION.name(), frequency ? Regularization.FREQUENCY : Regularization.MLLIB)
          .with(ConfigKeys.ALS_REG_EXPONENT.name(), num(exponent))
          .with(ConfigKeys.ALS_UNOBSERVED_WEIGHT.name(), num(unobservedWeight));
    }

    Regularization regularization() {
      return new Regularization(frequency, lambda, unobservedWeight, exponent);
    }

    public String label() {
      String form = frequency ? String.format(Locale.ROOT, "frequency (nu %s, alpha0 %s)", num(exponent),
          num(unobservedWeight)) : "mllib";
      return String.format(Locale.ROOT, "rank %d, %s lambda %s, alpha %s", rank, form, num(lambda), num(alpha));
    }

    Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rank", rank);
      m.put("regularization", frequency ? Regularization.FREQUENCY : Regularization.MLLIB);
      m.put("reg_param", lambda);
      m.put("reg_exponent", exponent);
      m.put("unobserved_weight", unobservedWeight);
      m.put("alpha", alpha);
      return m;
    }

    /** Rounded to 4 significant digits, so repeated ×/÷ steps land on the same points. */
    private static String num(double v) {
      return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }

    Point normalised() {
      return new Point(rank, Double.parseDouble(num(lambda)), Double.parseDouble(num(alpha)), frequency,
          exponent, unobservedWeight);
    }
  }

  /** The choice, and what the search did, for metrics.json and the manifest. */
  public record Result(PipelineConfig chosen, Map<String, Object> record) {}

  /**
   * The parameters a train (or evaluate) run fits with: the search's choice on a validation split of the
   * training part when {@code recsys.tune.nightly} is on (seeded with the parameters of the previous train
   * run, recorded under {@code tuning} in {@code metrics}), else the configured ones. With
   * {@code recsys.als.params-from-data} α and λ are first derived from the training part (recorded
   * under {@code params_from_data}): they are then the configured point.
   */
  public static PipelineConfig choose(RunContext ctx, Map<String, Object> metrics, StepReport report,
      Progress progress) {
    PipelineConfig config = startingPoint(ctx, metrics, report, progress);
    if (!config.get(ConfigKeys.TUNE_NIGHTLY)) {
      return config;
    }
    if (!config.get(ConfigKeys.ALS_SOLVER).equals("native")) {
      metrics.put("tuning", Map.of("skipped", ConfigKeys.TUNE_NIGHTLY.name() + " needs " + ConfigKeys.ALS_SOLVER.name()
          + "=native"));
      progress.phase("nightly search skipped: it needs " + ConfigKeys.ALS_SOLVER.name() + "=native");
      return config;
    }
    Optional<PipelineConfig> lastNight = TrainedParams.previousRun(ctx).map(d -> TrainedParams.apply(ctx, config, d));
    Result result = new NightlySearch(ctx.spark(), config, progress).run(ctx.read(ctx.paths().matrixTrain()),
        lastNight);
    int k = config.get(ConfigKeys.EVAL_K);
    metrics.put("tuning", result.record());
    report.metric("chosen by the nightly search", result.record().get("chosen_label"));
    report.metric("  validation ndcg@" + k, result.record().get("validation_ndcg@" + k));
    report.metric("  trials, stopped by", ((List<?>) result.record().get("trials")).size() + ", "
        + result.record().get("stopped_by"));
    if (result.record().get("kept_last_night") != null) {
      report.metric("  kept last night's point", result.record().get("kept_last_night"));
    }
    report.phaseDone("nightly search");
    return result.chosen();
  }

  /** The configuration, with α and λ derived from the training part when {@code recsys.als.params-from-data}. */
  private static PipelineConfig startingPoint(RunContext ctx, Map<String, Object> metrics, StepReport report,
      Progress progress) {
    PipelineConfig config = ctx.config();
    if (!config.get(ConfigKeys.ALS_PARAMS_FROM_DATA)) {
      return config;
    }
    progress.phase("deriving alpha and lambda from the training part");
    DataDerivedParams.Stats stats = DataDerivedParams.stats(ctx.read(ctx.paths().matrixTrain()),
        Confidence.from(config));
    PipelineConfig derived = DataDerivedParams.apply(config, stats);
    metrics.put("params_from_data", DataDerivedParams.record(stats, derived));
    report.metric("parameters derived from the data", DataDerivedParams.label(stats, derived));
    report.phaseDone("parameters from the data");
    return derived;
  }

  private final SparkSession spark;
  private final PipelineConfig config;
  private final Progress progress;

  public NightlySearch(SparkSession spark, PipelineConfig config, Progress progress) {
    this.spark = spark;
    this.config = config;
    this.progress = progress;
  }

  /**
   * @param train the training part ({@code user_idx, item_idx, strength, last_ts})
   * @param lastNight the configuration last night's train run used, if there was one
   */
  public Result run(Dataset<Row> train, Optional<PipelineConfig> lastNight) {
    long start = System.nanoTime();
    int k = config.get(ConfigKeys.EVAL_K);
    int maxTrials = config.get(ConfigKeys.TUNE_TRIALS);
    double budget = config.get(ConfigKeys.TUNE_BUDGET_SECONDS);
    List<Integer> ranks = config.get(ConfigKeys.TUNE_RANKS).stream().sorted().toList();
    progress.phase("nightly search: carving a validation split from the training part");
    ValidationSplit split = ValidationSplit.of(train, config);
    ValidationQueries queries = ValidationQueries.collect(split);
    AlsMatrix matrix = AlsMatrix.of(split.fit().withColumn("rating", Confidence.from(config).rating("strength")),
        config.get(ConfigKeys.ALS_BLOCKS));
    double meanPerUser = (double) matrix.users().interactions() / Math.max(1, matrix.users().rows());
    long items = matrix.items().rows();
    Row mean = split.fit().agg(avg(Confidence.from(config).rating("strength"))).first();
    double meanRating = mean.isNullAt(0) ? 0 : mean.getDouble(0);

    Point configured = Point.of(config).normalised();
    Point frequencyTemplate = configured.frequency() ? configured : new Point(0, 0, 0, true, 0, 1);
    List<Point> seeds = new ArrayList<>();
    seeds.add(configured);
    lastNight.map(Point::of).map(Point::normalised).ifPresent(seeds::add);
    seeds.add(switchForm(configured, frequencyTemplate, meanPerUser, items));

    Map<Point, Double> tried = new LinkedHashMap<>();
    List<Map<String, Object>> trials = new ArrayList<>();
    Progress.Tracker tracker = progress.track("nightly search: fitting and validating up to " + maxTrials
        + " points within " + (int) budget + " s", maxTrials);
    String stoppedBy = null;
    Point best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (Point seed : seeds) {
      if (tried.containsKey(seed)) {
        continue;
      }
      if (tried.size() >= maxTrials) {
        break;
      }
      double score = trial(seed, queries, matrix, k, tried, trials, tracker);
      if (best == null || score > bestScore + MIN_GAIN) {
        best = seed;
        bestScore = score;
      }
    }
    double lambdaStep = 10;
    double alphaStep = 10;
    search:
    while (true) {
      boolean improved = false;
      for (Point move : moves(best, lambdaStep, alphaStep, ranks, frequencyTemplate, meanPerUser, items,
          meanRating)) {
        if (tried.containsKey(move)) {
          continue;
        }
        if (tried.size() >= maxTrials) {
          stoppedBy = "trials (" + maxTrials + ")";
          break search;
        }
        if ((System.nanoTime() - start) / 1e9 >= budget) {
          stoppedBy = "time budget (" + (int) budget + " s)";
          break search;
        }
        double score = trial(move, queries, matrix, k, tried, trials, tracker);
        if (score > bestScore + MIN_GAIN) {
          best = move;
          bestScore = score;
          improved = true;
          break;
        }
      }
      if (!improved) {
        if (lambdaStep < 2 && alphaStep < 2) {
          stoppedBy = "converged";
          break;
        }
        lambdaStep = Math.sqrt(lambdaStep);
        alphaStep = Math.sqrt(alphaStep);
      }
    }
    matrix.release();
    split.release();

    Map<String, Object> record = new LinkedHashMap<>();
    // Last night's point stays unless beaten by more than the margin: embeddings keep their space (rank,
    // regularisation) from night to night when the data has not moved enough to matter.
    Optional<Point> kept = lastNight.map(Point::of).map(Point::normalised).filter(tried::containsKey);
    if (kept.isPresent() && !kept.get().equals(best)) {
      double lastScore = tried.get(kept.get());
      double margin = config.get(ConfigKeys.TUNE_KEEP_MARGIN);
      if (bestScore <= lastScore * (1 + margin)) {
        record.put("kept_last_night", String.format(Locale.ROOT, "the best point, %s (validation ndcg@%d %.4f), "
            + "beat last night's %.4f by less than %s=%s", best.label(), k, bestScore, lastScore,
            ConfigKeys.TUNE_KEEP_MARGIN.name(), margin));
        best = kept.get();
        bestScore = lastScore;
      }
    }
    record.put("chosen", best.asMap());
    record.put("chosen_label", best.label());
    record.put("validation_ndcg@" + k, bestScore);
    record.put("configured", configured.label());
    lastNight.ifPresent(c -> record.put("last_night", Point.of(c).label()));
    record.put("stopped_by", stoppedBy);
    record.put("seconds", (System.nanoTime() - start) / 1e9);
    record.put("trials", trials);
    return new Result(best.apply(config), record);
  }

  private double trial(Point p, ValidationQueries queries, AlsMatrix matrix, int k, Map<Point, Double> tried,
      List<Map<String, Object>> trials, Progress.Tracker tracker) {
    long start = System.nanoTime();
    PipelineConfig c = p.apply(config).with(ConfigKeys.ALS_MAX_ITER.name(),
        Integer.toString(Math.min(config.get(ConfigKeys.TUNE_SWEEPS), config.get(ConfigKeys.ALS_MAX_ITER))));
    AlsFit fit = new NativeAls(spark, AlsTrainer.settings(c, false).withObjective(NativeAls.Objective.NONE))
        .fit(matrix, null, null, null, null);
    Map<String, Double> m = queries.ndcgAndRecall(fit.userMatrix(queries.users()), fit.itemMatrix(),
        Scoring.from(config, ConfigKeys.CANDIDATES_SCORING), k, config.get(ConfigKeys.BLOCK_SIZE));
    fit.release();
    double score = m.get("ndcg@" + k);
    tried.put(p, score);
    Map<String, Object> row = p.asMap();
    row.put("ndcg@" + k, score);
    row.put("recall@" + k, m.get("recall@" + k));
    row.put("seconds", (System.nanoTime() - start) / 1e9);
    trials.add(row);
    tracker.advance(String.format(Locale.ROOT, "%s: validation ndcg@%d %.4f", p.label(), k, score));
    return score;
  }

  /** The neighbours of {@code p}, in the order they are tried. */
  private static List<Point> moves(Point p, double lambdaStep, double alphaStep, List<Integer> ranks,
      Point frequencyTemplate, double meanPerUser, long items, double meanRating) {
    List<Point> out = new ArrayList<>();
    out.add(new Point(p.rank(), p.lambda() * lambdaStep, p.alpha(), p.frequency(), p.exponent(), p.unobservedWeight()));
    out.add(new Point(p.rank(), p.lambda() / lambdaStep, p.alpha(), p.frequency(), p.exponent(), p.unobservedWeight()));
    // α moves carry λ along with the mean confidence 1 + α·r̄: the best λ grows with it (docs/quality.md,
    // "Derived from the data"), so a move with λ fixed would mostly measure a λ too weak or too strong.
    for (double alpha : new double[] {p.alpha() == 0 ? 1 : p.alpha() * alphaStep, p.alpha() / alphaStep}) {
      double lambda = p.lambda() * (1 + alpha * meanRating) / (1 + p.alpha() * meanRating);
      out.add(new Point(p.rank(), lambda, alpha, p.frequency(), p.exponent(), p.unobservedWeight()));
    }
    int at = ranks.indexOf(p.rank());
    for (int r : ranks) {
      int i = ranks.indexOf(r);
      // The neighbouring ranks of the list, or its nearest values when the rank is not in the list.
      boolean neighbour = at >= 0 ? Math.abs(i - at) == 1 : i == 0 || i == ranks.size() - 1;
      if (neighbour) {
        out.add(new Point(r, p.lambda(), p.alpha(), p.frequency(), p.exponent(), p.unobservedWeight()));
      }
    }
    if (p.frequency()) {
      // α₀ on the step of α (at most 1, the observed cells' base weight) and ν by 0.5 within [0, 1], each
      // with λ rescaled so that an average user's regularisation stays where it was: the move then changes
      // the shape of the regularisation, not its strength.
      double scale = frequencyScale(meanPerUser, items, p.unobservedWeight(), p.exponent());
      for (double w : new double[] {Math.min(1, p.unobservedWeight() * alphaStep), p.unobservedWeight() / alphaStep}) {
        double lambda = p.lambda() * scale / frequencyScale(meanPerUser, items, w, p.exponent());
        out.add(new Point(p.rank(), lambda, p.alpha(), true, p.exponent(), w));
      }
      for (double nu : new double[] {p.exponent() - 0.5, p.exponent() + 0.5}) {
        if (nu >= 0 && nu <= 1) {
          double lambda = p.lambda() * scale / frequencyScale(meanPerUser, items, p.unobservedWeight(), nu);
          out.add(new Point(p.rank(), lambda, p.alpha(), true, nu, p.unobservedWeight()));
        }
      }
    }
    out.add(switchForm(p, frequencyTemplate, meanPerUser, items));
    return out.stream().map(Point::normalised).filter(q -> !q.equals(p.normalised())).toList();
  }

  /**
   * The same point in the other regularisation form, λ carried over so that an average user's
   * regularisation stays the same: λ_mllib·n̄ = λ_freq·(n̄ + α₀·N)^ν.
   */
  private static Point switchForm(Point p, Point frequencyTemplate, double meanPerUser, long items) {
    double scale = frequencyScale(meanPerUser, items, frequencyTemplate.unobservedWeight(),
        frequencyTemplate.exponent());
    if (p.frequency()) {
      return new Point(p.rank(), p.lambda() * scale / meanPerUser, p.alpha(), false, 1, 1).normalised();
    }
    return new Point(p.rank(), p.lambda() * meanPerUser / scale, p.alpha(), true, frequencyTemplate.exponent(),
        frequencyTemplate.unobservedWeight()).normalised();
  }

  /** (n̄ + α₀·N)^ν: the frequency form's factor on λ for an average user. */
  private static double frequencyScale(double meanPerUser, long items, double unobservedWeight, double exponent) {
    return Math.pow(meanPerUser + unobservedWeight * items, exponent);
  }
}
