package io.recsysnightly.publish;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import io.recsysnightly.coldstart.ColdStart;
import io.recsysnightly.als.TrainedParams;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.eval.ModelDrift;
import io.recsysnightly.experiment.Experiment;
import io.recsysnightly.experiment.VariantAssignment;
import io.recsysnightly.io.FileStore;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.io.RunPaths;
import io.recsysnightly.knn.Candidates;
import io.recsysnightly.knn.StarterLists;
import io.recsysnightly.als.TrainAls;
import io.recsysnightly.matrix.BuildMatrix;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.RunReport;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.rerank.Rerank;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Step 6: writes the run's datasets and manifest under a staging path, moves them in one rename
 * into a publication directory never used before ({@code <output>/dt=D}, or {@code dt=D_2}... when
 * D was published already: see {@link Publications}) with {@code _SUCCESS} inside, then points
 * LATEST at it if the quality gate passes. A refused run goes to {@code <output>/_refused/dt=D} instead, so
 * readers keep seeing the previous publication, and the step fails with exit code 4. With A/B variants
 * each variant's datasets go under {@code <dataset>/variant=NAME/} and each is gated alone: a refused one
 * is moved aside and the others go live (see {@link Experiment}); only if all are refused is the run refused.
 */
public final class Publish {
  public static final String STEP = "publish";
  public static final String[] DATASETS = {"recommendations", "user_embeddings", "item_embeddings", "similar_items"};
  /** Every dataset written per model (per variant in an experiment). */
  private static final List<String> PUBLISHED = List.of("recommendations", "user_embeddings", "item_embeddings",
      "similar_items", "segment_recommendations", "category_recommendations");
  /** The A/B experiment's user-to-variant table, {@code user_id, variant}. */
  public static final String ASSIGNMENTS = "assignments";
  private static final String[] EARLIER_STEPS = {BuildMatrix.STEP, TrainAls.STEP, ColdStart.STEP, Candidates.STEP,
      Rerank.STEP};

  private final RunContext ctx;
  private final PipelineConfig config;
  private final boolean force;
  private final Progress progress;
  private final StepReport report = new StepReport(STEP);

  public Publish(RunContext ctx, boolean force) {
    this.ctx = ctx;
    this.config = ctx.config();
    this.force = force;
    this.progress = ctx.progress(STEP);
  }

  @SuppressWarnings("unchecked")
  public StepReport execute() {
    CrashPoints.reach("publish.start");
    String version = modelVersion(config);
    report.metric("model version", version);
    Publications publications = new Publications(ctx.files(), ctx.paths().outputRoot());
    cleanLeftovers();
    CrashPoints.reach("publish.leftovers-cleaned");
    Path staging = new Path(ctx.paths().staging(), "dt=" + ctx.paths().date() + "-" + UUID.randomUUID());

    progress.phase("writing datasets to staging " + staging);
    Dataset<Row> users = ctx.read(ctx.paths().userTable());
    long usersKnown = users.count();
    Optional<Publications.Run> previous = publications.latestRun().filter(Publications.Run::complete);
    Object buildMatrix = steps(ctx.paths()).get(BuildMatrix.STEP);
    QualityGate.History history = new QualityGate.History(buildMatrix instanceof Map<?, ?> b
        && b.get("counts") instanceof Map<?, ?> c ? (Map<String, ?>) c : Map.of(),
        publications.manifestsBefore(ctx.paths().date(), config.get(ConfigKeys.DRIFT_HISTORY_NIGHTS)));
    Map<Experiment.Arm, ArmResult> results = new LinkedHashMap<>();
    for (Experiment.Arm arm : Experiment.arms(ctx)) {
      results.put(arm, writeAndCheck(arm, staging, users, usersKnown, previous.flatMap(Publications.Run::manifest),
          history));
    }
    report.phaseDone("write and gate");
    CrashPoints.reach("publish.gate-checked");

    List<Experiment.Arm> live = results.keySet().stream().filter(a -> results.get(a).verdict.passed() || force)
        .toList();
    boolean goesLive = !live.isEmpty();
    Map<String, Object> experiment = new LinkedHashMap<>();
    if (Experiment.configured(config)) {
      progress.phase("assigning every user to a variant");
      experiment = experiment(results, live, goesLive, staging, users);
    }

    Map<String, Object> manifest = manifest(version, results, experiment);
    manifest.put("model_drift", modelDrift(staging, previous));
    ctx.files().writeTextAtomically(new Path(staging, "manifest.json"), StepReport.toJson(manifest),
        () -> CrashPoints.reach("publish.manifest-tmp"));
    CrashPoints.reach("publish.manifest-written");
    ctx.files().writeTextAtomically(new Path(staging, "report.html"), RunReport.render(ctx, manifest,
        publications.manifestsBefore(ctx.paths().date(), config.get(ConfigKeys.REPORT_HISTORY_NIGHTS) - 1)));
    ctx.files().writeTextAtomically(new Path(staging, "_SUCCESS"), "", () -> CrashPoints.reach("publish.success-tmp"));
    CrashPoints.reach("publish.success-written");
    report.phaseDone("manifest");

    progress.phase(goesLive ? "moving the run into place and updating LATEST" : "moving the refused run aside");
    Path target;
    if (goesLive) {
      // A new, never used name: the directory LATEST names now is not touched (see Publications).
      target = new Path(ctx.paths().outputRoot(), publications.newName(ctx.paths().date()));
      CrashPoints.reach("publish.before-rename");
      ctx.files().renameNew(staging, target);
    } else {
      target = refusedDir();
      CrashPoints.reach("publish.before-rename");
      ctx.files().swapDirectory(staging, target);
    }
    CrashPoints.reach("publish.renamed");
    ctx.files().deleteIfEmpty(ctx.paths().staging()); // under the lock: no other publish is staging
    report.output("publication", target);
    report.output("report", new Path(target, "report.html"));
    if (goesLive) {
      publications.pointLatestAt(target.getName(), () -> CrashPoints.reach("publish.latest-tmp"));
      CrashPoints.reach("publish.latest-written");
      report.output("LATEST", ctx.paths().latestPointer() + " -> " + target.getName());
    }
    report.phaseDone("move");
    ctx.finish(report);
    CrashPoints.reach("publish.done");
    if (!goesLive) {
      throw new GateRefusedException("The quality gate refused this run: " + String.join("; ", refusals(results))
          + ". LATEST still points at the previous publication. The refused run is in " + target
          + " for inspection; publish it anyway with --force.", report);
    }
    return report;
  }

  /** Tonight's lists and embeddings against the publication LATEST names (not measured across A/B publications). */
  private Map<String, Object> modelDrift(Path staging, Optional<Publications.Run> previous) {
    ModelDrift drift = new ModelDrift(ctx, report);
    if (previous.isEmpty()) {
      return drift.notMeasured(new LinkedHashMap<>(), "no earlier publication");
    }
    if (Experiment.configured(config) || ctx.files().exists(new Path(previous.get().dir(), ASSIGNMENTS))) {
      return drift.notMeasured(new LinkedHashMap<>(), "an A/B publication: each variant has its own factors");
    }
    progress.phase("measuring model drift against " + previous.get().name());
    Map<String, Object> measured = drift.execute(staging, previous.get().dir(), previous.get().name());
    report.phaseDone("model drift");
    return measured;
  }

  /** Every arm's reasons for refusal, each followed by the arm's variant in an experiment. */
  private static List<String> refusals(Map<Experiment.Arm, ArmResult> results) {
    List<String> reasons = new ArrayList<>();
    results.forEach((arm, r) -> r.verdict.reasons().forEach(reason -> reasons.add(arm.label(reason))));
    return reasons;
  }

  /** What publishing one arm gave: its model version, metrics, row counts and the gate's verdict. */
  private record ArmResult(String version, Map<String, Object> metrics, Map<String, Object> counts,
      QualityGate.Verdict verdict) {}

  /** Writes the arm's datasets into staging (under variant=NAME/ in an experiment) and checks its gate. */
  private ArmResult writeAndCheck(Experiment.Arm arm, Path staging, Dataset<Row> users, long usersKnown,
      Optional<Map<String, Object>> previous, QualityGate.History history) {
    RunContext armCtx = arm.ctx();
    PipelineConfig armConfig = armCtx.config();
    String version = modelVersion(armConfig);
    Map<String, Object> counts = new LinkedHashMap<>();
    Dataset<Row> items = ctx.read(ctx.paths().itemTable());
    Dataset<Row> userVectors = ctx.read(armCtx.paths().userVectors());
    Dataset<Row> itemIds = items.select("item_idx", "item_id");
    int listSize = armConfig.get(ConfigKeys.LIST_SIZE);

    Dataset<Row> lists = withItemIds(ctx.read(armCtx.paths().rerankedLists()), "user_idx", "recs", itemIds, listSize,
        true);
    Dataset<Row> recommendations = users.join(userVectors.select("user_idx", "source"), "user_idx", "left")
        .join(lists, "user_idx", "left")
        .select(col("user_id"), coalesce(col("recs"), expr("array()").cast(lists.schema().apply("recs").dataType()))
            .as("recs"), coalesce(col("source"), lit("none")).as("source"), lit(version).as("model_version"));
    write(recommendations, staging, arm, "recommendations", counts);

    write(users.join(userVectors, "user_idx").select(col("user_id"), col("vector").as("embedding"), col("source"),
        col("n_interactions"), lit(version).as("model_version")), staging, arm, "user_embeddings", counts);
    write(items.join(ctx.read(armCtx.paths().itemVectors()), "item_idx").select(col("item_id"),
        col("vector").as("embedding"), col("category"), col("source"), col("popularity"),
        lit(version).as("model_version")), staging, arm, "item_embeddings", counts);
    Dataset<Row> similar = withItemIds(ctx.read(armCtx.paths().similarItems()), "item_idx", "similar", itemIds,
        armConfig.get(ConfigKeys.SIMILAR_M), false);
    write(similar.join(itemIds, "item_idx").select("item_id", "similar"), staging, arm, "similar_items", counts);
    Dataset<Row> segments = withItemIds(ctx.read(armCtx.paths().rerankedSegmentLists()), "segment", "recs", itemIds,
        listSize, true);
    write(segments.select(col("segment"), col("recs"), when(col("segment").equalTo(StarterLists.ALL),
        lit("liked by most people")).otherwise(concat(lit("liked by people in segment "), col("segment"))).as("reason"),
        lit(version).as("model_version")), staging, arm, "segment_recommendations", counts);
    Dataset<Row> categories = withItemIds(ctx.read(armCtx.paths().categoryLists()), "category", "recs", itemIds,
        listSize, false);
    write(categories.select(col("category"), col("recs"), concat(lit("popular in "), col("category")).as("reason"),
        lit(version).as("model_version")), staging, arm, "category_recommendations", counts);

    progress.phase(arm.label("checking the quality gate"));
    long usersWithList = ctx.read(datasetPath(staging, arm, "recommendations")).where("size(recs) > 0").count();
    Map<String, Object> metrics = StepReport.parseJson(ctx.files().readText(armCtx.paths().metricsJson()));
    QualityGate.Verdict verdict = new QualityGate(armConfig).check(metrics, usersKnown, usersWithList, counts,
        previous.flatMap(p -> previousOf(p, arm)), history);
    report.metric(arm.label("gate"), verdict.passed() ? "passed"
        : (force ? "refused, published with --force" : "refused"));
    verdict.reasons().forEach(r -> report.metric(arm.label("gate refusal"), r));
    return new ArmResult(version, metrics, counts, verdict);
  }

  /**
   * What a variant is compared with: the same variant of the last publication when it had one, the
   * last publication itself when it was not an experiment, else nothing (a new variant).
   */
  @SuppressWarnings("unchecked")
  private static Optional<Map<String, Object>> previousOf(Map<String, Object> previous, Experiment.Arm arm) {
    if (arm.variant().isEmpty() || !(previous.get("variants") instanceof Map<?, ?> variants)) {
      return Optional.of(previous);
    }
    if (!(variants.get(arm.variant().get()) instanceof Map<?, ?> variant)) {
      return Optional.empty();
    }
    Map<String, Object> same = new LinkedHashMap<>((Map<String, Object>) variant);
    same.put("date", previous.get("date"));
    return Optional.of(same);
  }

  /**
   * Moves the refused variants out of a publication that goes live (to {@code _refused/dt=D/variant=NAME/}),
   * writes {@code assignments} over the variants that remain and returns the experiment's manifest entry.
   */
  private Map<String, Object> experiment(Map<Experiment.Arm, ArmResult> results, List<Experiment.Arm> live,
      boolean goesLive, Path staging, Dataset<Row> users) {
    List<String> published = new ArrayList<>();
    Map<String, Object> refused = new LinkedHashMap<>();
    Map<String, Object> configured = new LinkedHashMap<>();
    for (Experiment.Arm arm : results.keySet()) {
      String variant = arm.variant().orElseThrow();
      configured.put(variant, arm.share());
      if (live.contains(arm)) {
        published.add(variant);
        continue;
      }
      refused.put(variant, results.get(arm).verdict.reasons());
      if (goesLive) {
        for (String dataset : PUBLISHED) {
          ctx.files().swapDirectory(datasetPath(staging, arm, dataset),
              new Path(new Path(refusedDir(), "variant=" + variant), dataset));
        }
      }
    }
    // Users of a refused variant move, by the same hash, to the variants that are published.
    VariantAssignment assignment = Experiment.assignment(config);
    VariantAssignment served = goesLive ? assignment.among(published) : assignment;
    Path assignments = new Path(staging, ASSIGNMENTS);
    served.assign(users).write().parquet(assignments.toString());
    Map<String, Object> observed = new LinkedHashMap<>();
    long total = 0;
    for (Row r : ctx.read(assignments).groupBy("variant").count().orderBy("variant").collectAsList()) {
      observed.put(r.getString(0), r.getLong(1));
      total += r.getLong(1);
    }
    report.count(ASSIGNMENTS, total);
    for (Map.Entry<String, Object> e : observed.entrySet()) {
      e.setValue(total == 0 ? 0.0 : ((Long) e.getValue()).doubleValue() / total);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("salt", config.get(ConfigKeys.EXPERIMENT_SALT));
    m.put("configured_shares", configured);
    m.put("observed_shares", observed);
    m.put("users_assigned", total);
    m.put("published_variants", goesLive ? published : List.of());
    m.put("refused_variants", refused);
    if (!refused.isEmpty()) {
      report.metric("variants refused by the gate", String.join(", ", refused.keySet()));
    }
    return m;
  }

  private Path refusedDir() {
    return new Path(new Path(ctx.paths().outputRoot(), Publications.REFUSED), "dt=" + ctx.paths().date());
  }

  /**
   * Replaces the item indices in {@code listCol} (array of item_idx, score, rank and, in the
   * recommendation lists, reason) by item ids, keeping at most {@code limit} entries in rank order.
   */
  public static Dataset<Row> withItemIds(Dataset<Row> lists, String key, String listCol, Dataset<Row> itemIds,
      int limit, boolean withReason) {
    Dataset<Row> entries = lists
        .select(col(key).as("_key"), explode(expr("slice(" + listCol + ", 1, " + limit + ")")).as("e"))
        .select(col("_key"), col("e.item_idx").as("item_idx"), col("e.rank").as("rank"), col("e.score").as("score"),
            (withReason ? col("e.reason") : lit(null).cast("string")).as("reason"))
        .join(broadcast(itemIds), "item_idx");
    // rank first: the struct sorts by it.
    return entries.groupBy("_key")
        .agg(sort_array(collect_list(struct(col("rank"), col("item_id"), col("score"), col("reason")))).as("sorted"))
        .select(col("_key").as(key), expr("transform(sorted, e -> named_struct('item_id', e.item_id, 'score', "
            + "e.score, 'rank', e.rank" + (withReason ? ", 'reason', e.reason" : "") + "))").as(listCol));
  }

  /** Where {@code dataset} of {@code arm} goes: {@code <dataset>/}, or {@code <dataset>/variant=NAME/} in an experiment. */
  private static Path datasetPath(Path publication, Experiment.Arm arm, String dataset) {
    Path path = new Path(publication, dataset);
    return arm.variant().map(v -> new Path(path, "variant=" + v)).orElse(path);
  }

  private void write(Dataset<Row> data, Path staging, Experiment.Arm arm, String name, Map<String, Object> counts) {
    long rows = ctx.writeCounted(data, datasetPath(staging, arm, name));
    counts.put(name, rows);
    report.count(arm.label(name), rows);
    CrashPoints.reach("publish.wrote-" + name);
  }

  private Map<String, Object> manifest(String version, Map<Experiment.Arm, ArmResult> results,
      Map<String, Object> experiment) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("date", ctx.paths().date().toString());
    m.put("model_version", version);
    m.put("created_at", Instant.now().toString());
    // The ALS parameters train used (its nightly search's choice), which refresh reads back from here.
    m.put("config", TrainedParams.apply(ctx, config, config.get(ConfigKeys.FACTORS_DATE).orElse(ctx.paths().date()))
        .asMap());
    Map<String, Object> steps = steps(ctx.paths());
    Object buildMatrix = steps.get(BuildMatrix.STEP);
    m.put("input_counts", buildMatrix == null ? Map.of() : ((Map<?, ?>) buildMatrix).get("counts"));
    m.put("output_counts", report.counts());
    // In an experiment the top-level metrics are the first variant's (by convention the control).
    ArmResult first = results.values().iterator().next();
    m.put("metrics", first.metrics);
    List<String> reasons = refusals(results);
    boolean passed = reasons.isEmpty();
    Map<String, Object> gate = new LinkedHashMap<>();
    gate.put("passed", passed);
    gate.put("forced", force && !passed);
    gate.put("reasons", reasons);
    gate.put("checks", first.verdict.checks());
    m.put("gate", gate);
    m.put("steps", steps);
    if (!experiment.isEmpty()) {
      m.put("experiment", experiment);
      Map<String, Object> variants = new LinkedHashMap<>();
      results.forEach((arm, r) -> variants.put(arm.variant().orElseThrow(), variant(arm, r)));
      m.put("variants", variants);
    }
    return m;
  }

  /** A variant's entry in the manifest: what a run with its overrides alone would record, plus its share. */
  private Map<String, Object> variant(Experiment.Arm arm, ArmResult result) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("share", arm.share());
    v.put("overrides", config.variantOverrides(arm.variant().orElseThrow()));
    v.put("model_version", result.version);
    v.put("output_counts", result.counts);
    v.put("metrics", result.metrics);
    Map<String, Object> gate = new LinkedHashMap<>();
    gate.put("passed", result.verdict.passed());
    gate.put("forced", force && !result.verdict.passed());
    gate.put("reasons", result.verdict.reasons());
    gate.put("checks", result.verdict.checks());
    v.put("gate", gate);
    v.put("steps", steps(arm.ctx().paths()));
    return v;
  }

  /** The reports of the earlier steps found under {@code paths} (a variant's, or the shared ones). */
  private Map<String, Object> steps(RunPaths paths) {
    Map<String, Object> steps = new LinkedHashMap<>();
    for (String step : EARLIER_STEPS) {
      Path stepReport = paths.stepReport(step);
      if (ctx.files().exists(stepReport)) {
        steps.put(step, StepReport.parseJson(ctx.files().readText(stepReport)));
      }
    }
    return steps;
  }

  /** Date plus a digest of the configuration: the same inputs and config give the same version. */
  private String modelVersion(PipelineConfig of) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(of.toPropertiesText().getBytes(StandardCharsets.UTF_8));
      return ctx.paths().date() + "-" + HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What a killed publish leaves behind is never read by anyone: staging folders, and half-written
   * LATEST replacements. The run lock guarantees no other publish is using them, so remove them all.
   */
  private void cleanLeftovers() {
    for (String name : ctx.files().listNames(ctx.paths().staging())) {
      if (name.startsWith("dt=")) {
        ctx.files().delete(new Path(ctx.paths().staging(), name));
      }
    }
    for (String name : ctx.files().listNames(ctx.paths().outputRoot())) {
      if (name.startsWith(FileStore.TMP_PREFIX + "LATEST-") || name.startsWith("." + FileStore.TMP_PREFIX + "LATEST-")) {
        ctx.files().delete(new Path(ctx.paths().outputRoot(), name));
      }
    }
  }
}
