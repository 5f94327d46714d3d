package io.recsysnightly.refresh;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sort_array;

import io.recsysnightly.RecsysException;
import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.coldstart.ColdStart;
import io.recsysnightly.coldstart.FoldIn;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.FileStore;
import io.recsysnightly.io.InputReader;
import io.recsysnightly.io.InputSpec;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.io.RunPaths;
import io.recsysnightly.knn.Candidates;
import io.recsysnightly.knn.ItemSide;
import io.recsysnightly.knn.Scoring;
import io.recsysnightly.matrix.BuildMatrix;
import io.recsysnightly.matrix.EventValidator;
import io.recsysnightly.matrix.InteractionWeighter;
import io.recsysnightly.publish.CrashPoints;
import io.recsysnightly.publish.Publications;
import io.recsysnightly.publish.Publish;
import io.recsysnightly.publish.RefreshDeltas;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.rerank.BlocklistFilter;
import io.recsysnightly.rerank.ItemCatalog;
import io.recsysnightly.rerank.ListReranker;
import io.recsysnightly.rerank.Rerank;
import io.recsysnightly.rerank.RerankRules;
import io.recsysnightly.spark.DenseIndex;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Intraday refresh: the users with events since the publication LATEST names get a new vector (the
 * exact fold-in against the publication's item factors, over all their events up to {@code asOf}),
 * new candidates and a new re-ranked list, published as one atomic delta next to the publication
 * (see {@link RefreshDeltas}). Nobody else is scored. The model settings (weights, decay, ALS
 * confidence and regularisation, candidate and re-rank rules) are those recorded in the
 * publication's manifest, so a refreshed user gets the vector and list the model would give them;
 * inputs (events, catalogue, blocklist, deletions) are read as they are now.
 */
public final class Refresh {
  public static final String STEP = "refresh";
  /** The {@code source} of refreshed vectors and lists. */
  public static final String SOURCE = "refresh";
  public static final String[] DATASETS = {"recommendations", "user_embeddings", "forgotten_users"};

  private final SparkSession spark;
  private final PipelineConfig current;
  private final FileStore files;
  private final Instant asOf;
  private final StepReport report = new StepReport(STEP);

  public Refresh(SparkSession spark, PipelineConfig current, Instant asOf) {
    this.spark = spark;
    this.current = current;
    this.files = new FileStore(spark.sparkContext().hadoopConfiguration());
    this.asOf = asOf;
  }

  public StepReport execute() {
    CrashPoints.reach("refresh.start");
    Path outputRoot = new Path(current.get(ConfigKeys.OUTPUT_ROOT));
    Publications.Run publication = new Publications(files, outputRoot).latestRun().filter(Publications.Run::complete)
        .orElseThrow(() -> RecsysException.config("There is no complete publication under %s for LATEST to name: "
            + "refresh updates a published run. Run nightly (or publish) first; `status` lists the publications.",
            outputRoot));
    Map<String, Object> manifest = publication.manifest().orElseThrow();
    if (manifest.containsKey("experiment")) {
      // Each variant has its own item factors and lists (<dataset>/variant=V/): a per-variant delta is not built yet.
      throw RecsysException.config("%s is an A/B experiment (variants %s): refresh does not update experiment "
          + "publications yet. Readers keep its nightly lists; the next nightly run updates them.",
          publication.name(), manifest.get("variants") instanceof Map<?, ?> v ? v.keySet() : "?");
    }
    PipelineConfig config = modelSettings(manifest, current);
    RunContext ctx = new RunContext(spark, config, new RunPaths(config, publication.date()), files);
    Progress progress = ctx.progress(STEP);
    String version = String.valueOf(manifest.get("model_version"));
    long sinceMicros = BuildMatrix.endOfDayMicros(publication.date());
    long asOfMicros = asOf.getEpochSecond() * 1_000_000L + asOf.getNano() / 1000;
    if (asOfMicros <= sinceMicros) {
      throw RecsysException.config("--as-of %s is not after the end of the published run's date %s: there are no "
          + "events the publication has not seen. Give a later --as-of (default: now).", asOf, publication.date());
    }
    report.metric("publication", publication.name());
    report.metric("model version", version);
    report.metric("events since", Instant.ofEpochSecond(sinceMicros / 1_000_000).toString());
    report.metric("as of", asOf.toString());
    RefreshDeltas deltas = new RefreshDeltas(files, outputRoot, publication.name());
    cleanLeftovers(ctx, deltas);

    progress.phase("reading events since " + Instant.ofEpochSecond(sinceMicros / 1_000_000));
    InputReader reader = new InputReader(spark, config, ctx.paths());
    Dataset<Row> forgotten = BuildMatrix.forgottenUsers(reader).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> annotated = EventValidator.annotate(reader.read(InputSpec.EVENTS),
        config.get(ConfigKeys.EVENT_WEIGHTS).keySet()).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> valid = BuildMatrix.distinctValid(annotated.where(col(EventValidator.REASON).isNull()))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> recent = valid.where(col("ts").geq(lit(new Timestamp(sinceMicros / 1000)))
        .and(col("ts").lt(lit(new Timestamp(asOfMicros / 1000)))));
    report.count("events since the publication", recent.count());
    quarantine(ctx, annotated, sinceMicros);
    Dataset<Row> active = recent.select("user_id").distinct();
    Dataset<Row> affected = DenseIndex.by(active.join(forgotten, active.col("user_id").equalTo(forgotten.col("id")),
        "left_anti"), "user_id", "user_idx").persist(StorageLevel.MEMORY_AND_DISK());
    long activeCount = active.count();
    long affectedCount = affected.count();
    report.count("users with events since the publication", activeCount);
    report.count("  of whom asked to be forgotten", activeCount - affectedCount);
    InteractionWeighter weighter = InteractionWeighter.from(config);
    Dataset<Row> userEvents = BuildMatrix.inWindow(valid.join(affected.select("user_id"), "user_id", "left_semi"),
        asOfMicros, config.get(ConfigKeys.LOOKBACK_DAYS));
    Dataset<Row> pairs = weighter.strengths(weighter.capPerUser(userEvents), asOfMicros).where(col("strength").gt(0))
        .persist(StorageLevel.MEMORY_AND_DISK());
    long pairCount = pairs.count();
    report.phaseDone("events");

    progress.phase("fold-in of the affected users against the publication's item factors");
    Dataset<Row> items = publishedItems(publication.dir(), reader).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> interactions = pairs.join(affected, "user_id").join(items.select("item_id", "item_idx"), "item_id")
        .select("user_idx", "item_idx", "strength").persist(StorageLevel.MEMORY_AND_DISK());
    report.count("interactions (user, item) of affected users", pairCount);
    report.count("  on items the model does not know (ignored)", pairCount - interactions.count());
    Dataset<Row> factors = items.where(col("source").equalTo(ColdStart.ALS)).select("item_idx", "vector");
    Dataset<Row> vectors = FoldIn.users(interactions, factors, config).persist(StorageLevel.MEMORY_AND_DISK());
    long folded = vectors.count();
    report.count("users folded in", folded);
    report.count("  not refreshed (no event on an item the model knows)", affectedCount - folded);
    report.phaseDone("fold-in");

    progress.phase("candidates and re-ranked lists of the refreshed users only");
    Dataset<Row> seen = interactions.groupBy("user_idx").agg(sort_array(collect_list("item_idx")).as("seen"));
    Dataset<Row> itemVectors = items.select("item_idx", "vector");
    Dataset<Row> blocked = BuildMatrix.blockedItems(reader, items);
    Set<Integer> excluded = Candidates.excludedItems(blocked, items);
    report.count("items excluded (blocked or unavailable)", excluded.size());
    Scoring scoring = Scoring.from(config, ConfigKeys.CANDIDATES_SCORING);
    ItemSide side = ItemSide.exact(FactorMatrix.collect(scoring.items(itemVectors), "item_idx"), excluded);
    Dataset<Row> candidates = Candidates.kernel(config)
        .run(vectors.join(seen, "user_idx").select(col("user_idx").as("query_idx"), col("vector"), col("seen")), side)
        .withColumnRenamed("query_idx", "user_idx");
    ItemCatalog catalog = ItemCatalog.collect(items, itemVectors, asOfMicros);
    BlocklistFilter filter = BlocklistFilter.build(blocked, config.get(ConfigKeys.BLOOM_FPP));
    Dataset<Row> lists = Rerank.rerank(candidates.join(seen.withColumnRenamed("seen", "interacted"), "user_idx"),
        new ListReranker(RerankRules.from(config), catalog),
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(filter));
    report.phaseDone("candidates and re-rank");

    progress.phase("publishing the delta");
    Path staging = new Path(ctx.paths().staging(), "refresh-" + UUID.randomUUID());
    Dataset<Row> itemIds = items.select("item_idx", "item_id");
    int listSize = config.get(ConfigKeys.LIST_SIZE);
    Dataset<Row> named = Publish.withItemIds(lists, "user_idx", "recs", itemIds, listSize, true);
    write(ctx, affected.join(named, "user_idx").select(col("user_id"), col("recs"), lit(SOURCE).as("source"),
        lit(version).as("model_version")), staging, "recommendations");
    Dataset<Row> interactionCounts = interactions.groupBy("user_idx").agg(count(lit(1)).as("n_interactions"));
    write(ctx, affected.join(vectors, "user_idx").join(interactionCounts, "user_idx").select(col("user_id"),
        col("vector").as("embedding"), lit(SOURCE).as("source"), col("n_interactions"), lit(version)
            .as("model_version")), staging, "user_embeddings");
    Dataset<Row> published = ctx.read(new Path(publication.dir(), "recommendations")).select("user_id");
    write(ctx, forgotten.select(col("id").as("user_id")).join(published, "user_id", "left_semi"), staging,
        "forgotten_users");
    files.writeTextAtomically(new Path(staging, "manifest.json"), StepReport.toJson(manifest(publication, version,
        sinceMicros, config)));
    files.writeTextAtomically(new Path(staging, "_SUCCESS"), "");
    CrashPoints.reach("refresh.success-written");
    String name = deltas.newName();
    Path target = new Path(deltas.dir(), name);
    CrashPoints.reach("refresh.before-rename");
    files.mkdirs(deltas.dir());
    files.renameNew(staging, target);
    CrashPoints.reach("refresh.renamed");
    files.deleteIfEmpty(ctx.paths().staging());
    deltas.pointAt(name, () -> CrashPoints.reach("refresh.pointer-tmp"));
    CrashPoints.reach("refresh.pointer-written");
    deltas.prune().forEach(old -> report.metric("removed old delta", old));
    report.output("delta", target);
    report.output("pointer", deltas.pointer() + " -> " + name);
    report.phaseDone("publish");
    for (Dataset<Row> d : List.of(forgotten, annotated, valid, affected, pairs, items, interactions, vectors)) {
      d.unpersist();
    }
    ctx.finish(report);
    CrashPoints.reach("refresh.done");
    return report;
  }

  /**
   * The publication's configuration for everything that shapes vectors and lists, with the current
   * invocation's inputs, outputs, work root and lock settings. Keys this version does not know are skipped.
   */
  static PipelineConfig modelSettings(Map<String, Object> manifest, PipelineConfig current) {
    Object recorded = manifest.get("config");
    List<String> overrides = new ArrayList<>();
    Set<String> known = current.asMap().keySet();
    if (recorded instanceof Map<?, ?> map) {
      map.forEach((k, v) -> {
        if (known.contains(String.valueOf(k)) && !fromInvocation(String.valueOf(k))) {
          overrides.add(k + "=" + v);
        }
      });
    }
    current.asMap().forEach((k, v) -> {
      if (fromInvocation(k)) {
        overrides.add(k + "=" + v);
      }
    });
    return PipelineConfig.load(Optional.empty(), overrides);
  }

  private static boolean fromInvocation(String key) {
    return key.startsWith("recsys.input.") || key.startsWith("recsys.output.") || key.startsWith("recsys.work.")
        || key.startsWith("recsys.lock.");
  }

  /**
   * The publication's item embeddings ({@code item_id, vector, category, source, popularity}) with a
   * dense {@code item_idx} by item id, and availability and creation time from the current catalogue
   * (an item absent from it stays available, as in build-matrix).
   */
  private Dataset<Row> publishedItems(Path publication, InputReader reader) {
    Dataset<Row> embeddings = spark.read().parquet(new Path(publication, "item_embeddings").toString())
        .select(col("item_id"), col("embedding").as("vector"), col("category"), col("source"), col("popularity"));
    Dataset<Row> indexed = DenseIndex.by(embeddings, "item_id", "item_idx");
    Optional<Dataset<Row>> catalogue = reader.readOptional(InputSpec.ITEMS).map(BuildMatrix::cleanCatalogue);
    Dataset<Row> withCatalogue = catalogue
        .map(c -> indexed.join(c.select("item_id", "available", "created_ts"), "item_id", "left"))
        .orElseGet(() -> indexed.withColumn("available", lit(true)).withColumn("created_ts",
            lit(null).cast("timestamp")));
    return withCatalogue.withColumn("available", coalesce(col("available"), lit(true)))
        .select("item_idx", "item_id", "vector", "category", "source", "popularity", "available", "created_ts");
  }

  /** Malformed rows dated since the publication (or undated) are counted and kept with their reason. */
  private void quarantine(RunContext ctx, Dataset<Row> annotated, long sinceMicros) {
    Dataset<Row> bad = annotated.where(col(EventValidator.REASON).isNotNull()
            .and(col("ts").isNull().or(col("ts").geq(lit(new Timestamp(sinceMicros / 1000))))))
        .select(EventValidator.badRecordColumns());
    ctx.writeAtomically(bad, ctx.paths().refreshBadRecords());
    long n = ctx.read(ctx.paths().refreshBadRecords()).count();
    report.count("bad rows since the publication (quarantined)", n);
    if (n > 0) {
      report.output("bad records", ctx.paths().refreshBadRecords());
    }
  }

  private void write(RunContext ctx, Dataset<Row> data, Path staging, String name) {
    report.count(name, ctx.writeCounted(data, new Path(staging, name)));
    CrashPoints.reach("refresh.wrote-" + name);
  }

  private Map<String, Object> manifest(Publications.Run publication, String version, long sinceMicros,
      PipelineConfig config) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("publication", publication.name());
    m.put("date", publication.date().toString());
    m.put("model_version", version);
    m.put("events_since", Instant.ofEpochSecond(sinceMicros / 1_000_000).toString());
    m.put("as_of", asOf.toString());
    m.put("created_at", Instant.now().toString());
    m.put("output_counts", report.counts());
    m.put("config", config.asMap());
    return m;
  }

  /** What a killed refresh leaves: staging folders (the lock says no refresh or publish is using them). */
  private void cleanLeftovers(RunContext ctx, RefreshDeltas deltas) {
    for (String name : files.listNames(ctx.paths().staging())) {
      if (name.startsWith("refresh-")) {
        files.delete(new Path(ctx.paths().staging(), name));
      }
    }
    deltas.prune();
  }
}
