package io.recsysnightly.knn;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.sort_array;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import java.util.HashSet;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Step 4: exact top-N candidates by dot product for every user (items they interacted with,
 * blocklisted and unavailable items excluded), and the top-M most similar items (cosine) per item.
 */
public final class Candidates {
  public static final String STEP = "candidates";

  private final RunContext ctx;
  private final PipelineConfig config;
  private final Progress progress;
  private final StepReport report = new StepReport(STEP);

  public Candidates(RunContext ctx) {
    this.ctx = ctx;
    this.config = ctx.config();
    this.progress = ctx.progress(STEP);
  }

  public StepReport execute() {
    Dataset<Row> userVectors = ctx.read(ctx.paths().userVectors());
    Dataset<Row> itemVectors = ctx.read(ctx.paths().itemVectors());
    Set<Integer> excluded = excludedItems();
    report.count("items excluded (blocked or unavailable)", excluded.size());

    progress.phase("exact top-" + config.get(ConfigKeys.CANDIDATES_N) + " for every user");
    Dataset<Row> seen = ctx.read(ctx.paths().matrixAll()).groupBy("user_idx")
        .agg(sort_array(collect_list("item_idx")).as("seen"));
    Dataset<Row> queries = userVectors.join(seen, "user_idx", "left")
        .select(col("user_idx").as("query_idx"), col("vector"), col("seen"));
    BlockedTopN topN = new BlockedTopN(config.get(ConfigKeys.CANDIDATES_N), config.get(ConfigKeys.BLOCK_SIZE));
    ctx.writeAtomically(topN.run(queries, itemVectors, excluded).withColumnRenamed("query_idx", "user_idx"),
        ctx.paths().candidates());
    Dataset<Row> written = ctx.read(ctx.paths().candidates());
    report.count("users scored", written.count());
    report.count("users with an empty list", written.where("size(recs) = 0").count());
    report.count("items scorable", itemVectors.count());
    report.phaseDone("user candidates");

    progress.phase("top-" + config.get(ConfigKeys.SIMILAR_M) + " similar items (cosine)");
    ctx.writeAtomically(similarItems(itemVectors, excluded, config.get(ConfigKeys.SIMILAR_M),
        config.get(ConfigKeys.BLOCK_SIZE)), ctx.paths().similarItems());
    report.count("items with similar lists", ctx.read(ctx.paths().similarItems()).count());
    report.phaseDone("similar items");

    report.output("candidates", ctx.paths().candidates());
    report.output("similar items", ctx.paths().similarItems());
    return ctx.finish(report);
  }

  /**
   * The top-{@code m} most similar items of every item by cosine, through the same kernel: unit
   * vectors scored against unit vectors, each item's own id as its "seen" list so it never lists
   * itself, excluded items never listed.
   *
   * @param itemVectors {@code item_idx int, vector array<float>}
   * @return {@code item_idx int, similar array<struct<item_idx, score, rank>>}
   */
  public static Dataset<Row> similarItems(Dataset<Row> itemVectors, Set<Integer> excluded, int m, int blockSize) {
    Dataset<Row> unit = itemVectors.select(col("item_idx"), normalised("vector").as("vector"));
    Dataset<Row> itemQueries = unit.select(col("item_idx").as("query_idx"), col("vector"),
        array(col("item_idx")).as("seen"));
    return new BlockedTopN(m, blockSize).run(itemQueries, unit, excluded).withColumnRenamed("query_idx", "item_idx")
        .withColumnRenamed("recs", "similar");
  }

  /** Blocklisted and unavailable items, as a set small enough to broadcast with the item matrix. */
  private Set<Integer> excludedItems() {
    Dataset<Row> ids = ctx.read(ctx.paths().blockedItems()).select("item_idx")
        .union(ctx.read(ctx.paths().itemTable()).where("NOT available").select("item_idx"));
    Set<Integer> set = new HashSet<>();
    for (Row r : ids.distinct().collectAsList()) {
      set.add(r.getInt(0));
    }
    return set;
  }

  /** The vector scaled to unit length (a zero vector stays zero). */
  private static org.apache.spark.sql.Column normalised(String column) {
    return expr("transform(" + column + ", x -> CAST(x / greatest(sqrt(aggregate(" + column
        + ", 0D, (acc, y) -> acc + y * y)), 1e-12D) AS FLOAT))");
  }
}
