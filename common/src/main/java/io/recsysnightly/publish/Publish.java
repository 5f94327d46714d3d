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
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.FileStore;
import io.recsysnightly.io.RunContext;
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
import java.util.HexFormat;
import java.util.LinkedHashMap;
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
 * readers keep seeing the previous publication, and the step fails with exit code 4.
 */
public final class Publish {
  public static final String STEP = "publish";
  public static final String[] DATASETS = {"recommendations", "user_embeddings", "item_embeddings", "similar_items"};
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

  public StepReport execute() {
    CrashPoints.reach("publish.start");
    String version = modelVersion();
    report.metric("model version", version);
    Publications publications = new Publications(ctx.files(), ctx.paths().outputRoot());
    cleanLeftovers();
    CrashPoints.reach("publish.leftovers-cleaned");
    Path staging = new Path(ctx.paths().staging(), "dt=" + ctx.paths().date() + "-" + UUID.randomUUID());

    progress.phase("writing datasets to staging " + staging);
    Dataset<Row> users = ctx.read(ctx.paths().userTable());
    Dataset<Row> items = ctx.read(ctx.paths().itemTable());
    Dataset<Row> userVectors = ctx.read(ctx.paths().userVectors());
    Dataset<Row> itemIds = items.select("item_idx", "item_id");
    int listSize = config.get(ConfigKeys.LIST_SIZE);

    Dataset<Row> lists = withItemIds(ctx.read(ctx.paths().rerankedLists()), "user_idx", "recs", itemIds, listSize, true);
    Dataset<Row> recommendations = users.join(userVectors.select("user_idx", "source"), "user_idx", "left")
        .join(lists, "user_idx", "left")
        .select(col("user_id"), coalesce(col("recs"), expr("array()").cast(lists.schema().apply("recs").dataType()))
            .as("recs"), coalesce(col("source"), lit("none")).as("source"), lit(version).as("model_version"));
    write(recommendations, staging, "recommendations");

    write(users.join(userVectors, "user_idx").select(col("user_id"), col("vector").as("embedding"), col("source"),
        col("n_interactions"), lit(version).as("model_version")), staging, "user_embeddings");
    write(items.join(ctx.read(ctx.paths().itemVectors()), "item_idx").select(col("item_id"),
        col("vector").as("embedding"), col("category"), col("source"), col("popularity"),
        lit(version).as("model_version")), staging, "item_embeddings");
    Dataset<Row> similar = withItemIds(ctx.read(ctx.paths().similarItems()), "item_idx", "similar", itemIds,
        config.get(ConfigKeys.SIMILAR_M), false);
    write(similar.join(itemIds, "item_idx").select("item_id", "similar"), staging, "similar_items");
    Dataset<Row> segments = withItemIds(ctx.read(ctx.paths().rerankedSegmentLists()), "segment", "recs", itemIds,
        listSize, true);
    write(segments.select(col("segment"), col("recs"), when(col("segment").equalTo(StarterLists.ALL),
        lit("liked by most people")).otherwise(concat(lit("liked by people in segment "), col("segment"))).as("reason"),
        lit(version).as("model_version")), staging, "segment_recommendations");
    Dataset<Row> categories = withItemIds(ctx.read(ctx.paths().categoryLists()), "category", "recs", itemIds,
        listSize, false);
    write(categories.select(col("category"), col("recs"), concat(lit("popular in "), col("category")).as("reason"),
        lit(version).as("model_version")), staging, "category_recommendations");
    report.phaseDone("write");

    progress.phase("checking the quality gate");
    Dataset<Row> published = ctx.read(new Path(staging, "recommendations"));
    long usersKnown = users.count();
    long usersWithList = published.where("size(recs) > 0").count();
    Map<String, Object> metrics = StepReport.parseJson(ctx.files().readText(ctx.paths().metricsJson()));
    Optional<Publications.Run> previous = publications.latestRun().filter(Publications.Run::complete);
    QualityGate.Verdict verdict = new QualityGate(config).check(metrics, usersKnown, usersWithList,
        report.counts(), previous.flatMap(Publications.Run::manifest));
    boolean goesLive = verdict.passed() || force;
    report.metric("gate", verdict.passed() ? "passed" : (force ? "refused, published with --force" : "refused"));
    verdict.reasons().forEach(r -> report.metric("gate refusal", r));
    CrashPoints.reach("publish.gate-checked");

    Map<String, Object> manifest = manifest(version, metrics, verdict);
    ctx.files().writeTextAtomically(new Path(staging, "manifest.json"), StepReport.toJson(manifest),
        () -> CrashPoints.reach("publish.manifest-tmp"));
    CrashPoints.reach("publish.manifest-written");
    ctx.files().writeTextAtomically(new Path(staging, "report.html"), RunReport.render(ctx, manifest));
    ctx.files().writeTextAtomically(new Path(staging, "_SUCCESS"), "", () -> CrashPoints.reach("publish.success-tmp"));
    CrashPoints.reach("publish.success-written");
    report.phaseDone("gate and manifest");

    progress.phase(goesLive ? "moving the run into place and updating LATEST" : "moving the refused run aside");
    Path target;
    if (goesLive) {
      // A new, never used name: the directory LATEST names now is not touched (see Publications).
      target = new Path(ctx.paths().outputRoot(), publications.newName(ctx.paths().date()));
      CrashPoints.reach("publish.before-rename");
      ctx.files().renameNew(staging, target);
    } else {
      target = new Path(new Path(ctx.paths().outputRoot(), Publications.REFUSED), "dt=" + ctx.paths().date());
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
      throw new GateRefusedException("The quality gate refused this run: " + String.join("; ", verdict.reasons())
          + ". LATEST still points at the previous publication. The refused run is in " + target
          + " for inspection; publish it anyway with --force.", report);
    }
    return report;
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

  private void write(Dataset<Row> data, Path staging, String name) {
    Path path = new Path(staging, name);
    data.write().parquet(path.toString());
    long rows = ctx.read(path).count();
    report.count(name, rows);
    CrashPoints.reach("publish.wrote-" + name);
  }

  private Map<String, Object> manifest(String version, Map<String, Object> metrics, QualityGate.Verdict verdict) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("date", ctx.paths().date().toString());
    m.put("model_version", version);
    m.put("created_at", Instant.now().toString());
    m.put("config", config.asMap());
    Map<String, Object> steps = new LinkedHashMap<>();
    for (String step : EARLIER_STEPS) {
      Path stepReport = ctx.paths().stepReport(step);
      if (ctx.files().exists(stepReport)) {
        steps.put(step, StepReport.parseJson(ctx.files().readText(stepReport)));
      }
    }
    Object buildMatrix = steps.get(BuildMatrix.STEP);
    m.put("input_counts", buildMatrix == null ? Map.of() : ((Map<?, ?>) buildMatrix).get("counts"));
    m.put("output_counts", report.counts());
    m.put("metrics", metrics);
    Map<String, Object> gate = new LinkedHashMap<>();
    gate.put("passed", verdict.passed());
    gate.put("forced", force && !verdict.passed());
    gate.put("reasons", verdict.reasons());
    gate.put("checks", verdict.checks());
    m.put("gate", gate);
    m.put("steps", steps);
    return m;
  }

  /** Date plus a digest of the configuration: the same inputs and config give the same version. */
  private String modelVersion() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(config.toPropertiesText().getBytes(StandardCharsets.UTF_8));
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
