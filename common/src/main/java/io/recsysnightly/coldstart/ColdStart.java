package io.recsysnightly.coldstart;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import io.recsysnightly.als.TrainedParams;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.matrix.BuildMatrix;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import java.sql.Timestamp;
import java.time.LocalDate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Step 3: gives every known user and item a vector with its {@code source}. Users with events after
 * the training date are folded in (exact solve against the fixed item factors); users without
 * events get their segment's mean vector, else the global mean; items without a factor get their
 * category's mean.
 */
public final class ColdStart {
  public static final String STEP = "cold-start";
  public static final String ALS = "als";
  public static final String FOLD_IN = "fold_in";
  public static final String SEGMENT_MEAN = "segment_mean";
  public static final String GLOBAL_MEAN = "global_mean";
  public static final String CATEGORY_MEAN = "category_mean";

  private final RunContext ctx;
  private final PipelineConfig config;
  private final Progress progress;
  private final StepReport report = new StepReport(STEP);

  public ColdStart(RunContext ctx) {
    this.ctx = ctx;
    this.config = ctx.config();
    this.progress = ctx.progress(STEP);
  }

  public StepReport execute() {
    LocalDate factorsDate = config.get(ConfigKeys.FACTORS_DATE).orElse(ctx.paths().date());
    report.metric("factors from train run", factorsDate.toString());
    Dataset<Row> userFactors = ctx.read(ctx.paths().userFactors(factorsDate));
    Dataset<Row> itemFactors = ctx.read(ctx.paths().itemFactors(factorsDate));
    Dataset<Row> users = ctx.read(ctx.paths().userTable());
    Dataset<Row> items = ctx.read(ctx.paths().itemTable());
    Dataset<Row> matrix = ctx.read(ctx.paths().matrixAll());

    progress.phase("item vectors: trained factors, category means for the rest");
    Dataset<Row> trainedItems = items.join(itemFactors, "item_idx").select("item_idx", "category", "vector");
    Dataset<Row> categoryMeans = VectorMeans.meanBy(trainedItems, "category");
    Dataset<Row> untrained = items.join(itemFactors.select("item_idx"), "item_idx", "left_anti");
    Dataset<Row> itemVectors = trainedItems.select(col("item_idx"), col("vector"), lit(ALS).as("source"))
        .unionByName(untrained.join(categoryMeans, "category")
            .select(col("item_idx"), col("vector"), lit(CATEGORY_MEAN).as("source")));
    ctx.writeAtomically(itemVectors.orderBy("item_idx"), ctx.paths().itemVectors());
    Dataset<Row> writtenItems = ctx.read(ctx.paths().itemVectors());
    countBySource(writtenItems, "item vectors");
    report.count("items without vector", items.count() - writtenItems.count());
    report.phaseDone("items");

    progress.phase("user vectors: fold-in of users active since training");
    // Users whose events reach past the training run, or who have no factor at all, are re-solved.
    Timestamp trainedUpTo = new Timestamp(BuildMatrix.endOfDayMicros(factorsDate) / 1000);
    Dataset<Row> lastSeen = matrix.groupBy("user_idx").agg(max("last_ts").as("last_ts"));
    Dataset<Row> toFoldIn = lastSeen
        .join(userFactors.select(col("user_idx"), lit(true).as("trained")), "user_idx", "left")
        .where(col("last_ts").geq(lit(trainedUpTo)).or(col("trained").isNull()))
        .select("user_idx");
    Dataset<Row> foldedIn = FoldIn.users(matrix.join(toFoldIn, "user_idx"), itemFactors,
        TrainedParams.apply(ctx, config, factorsDate));
    Dataset<Row> personal = userFactors.join(toFoldIn, "user_idx", "left_anti")
        .select(col("user_idx"), col("vector"), lit(ALS).as("source"))
        .unionByName(foldedIn.select(col("user_idx"), col("vector"), lit(FOLD_IN).as("source")))
        .join(users.select("user_idx", "segment"), "user_idx")
        .persist(StorageLevel.MEMORY_AND_DISK());
    report.count("users folded in", personal.where(col("source").equalTo(FOLD_IN)).count());
    report.phaseDone("fold-in");

    progress.phase("user vectors: segment and global means for users without events");
    Dataset<Row> segmentMeans = VectorMeans.meanBy(personal, "segment");
    Dataset<Row> globalMean = VectorMeans.meanBy(personal.withColumn("all", lit(1)), "all").select("vector");
    Dataset<Row> cold = users.join(personal.select("user_idx"), "user_idx", "left_anti");
    Dataset<Row> bySegment = cold.join(segmentMeans, "segment")
        .select(col("user_idx"), col("vector"), lit(SEGMENT_MEAN).as("source"));
    Dataset<Row> global = cold.join(bySegment.select("user_idx"), "user_idx", "left_anti")
        .crossJoin(globalMean).select(col("user_idx"), col("vector"), lit(GLOBAL_MEAN).as("source"));
    Dataset<Row> userVectors = personal.select("user_idx", "vector", "source").unionByName(bySegment)
        .unionByName(global);
    ctx.writeAtomically(userVectors.orderBy("user_idx"), ctx.paths().userVectors());
    countBySource(ctx.read(ctx.paths().userVectors()), "user vectors");
    personal.unpersist();
    report.phaseDone("means");

    report.output("vectors", ctx.paths().userVectors().getParent());
    return ctx.finish(report);
  }

  private void countBySource(Dataset<Row> vectors, String what) {
    for (Row r : vectors.groupBy("source").count().orderBy("source").collectAsList()) {
      report.count(what + ": " + r.getString(0), r.getLong(1));
    }
  }
}
