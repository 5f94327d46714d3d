package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sort_array;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.knn.BlockedTopN;
import io.recsysnightly.knn.Scoring;
import io.recsysnightly.matrix.HoldoutSplit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * The training part minus a validation split carved from it (each user's most recent training
 * interactions), and what the evaluator needs about the validation users and items: hyper-parameters
 * are chosen on it, so the holdout that gives the final figure is never looked at.
 *
 * @param fit the training part minus validation ({@code user_idx, item_idx, strength, ...})
 * @param validation {@code user_idx, item_idx}
 * @param queries the validation users with their {@code seen} fit items and {@code relevant} validation items
 */
public record ValidationSplit(Dataset<Row> fit, Dataset<Row> validation, Dataset<Row> queries, Dataset<Row> users,
    ItemInfo items) {

  public static ValidationSplit of(Dataset<Row> train, PipelineConfig config) {
    Dataset<Row> marked = HoldoutSplit.perUser(config.get(ConfigKeys.TUNE_VALIDATION_FRACTION),
        config.get(ConfigKeys.MIN_INTERACTIONS)).mark(train);
    marked.persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> validation = marked.where("holdout");
    validation = UserSample.atMost(validation, validation.select("user_idx").distinct().count(),
        config.get(ConfigKeys.TUNE_VALIDATION_USERS), config.get(ConfigKeys.SEED));
    return between(marked.where("NOT holdout").drop("holdout"), validation);
  }

  /** The split of given parts (e.g. the run's train and holdout, for the training benchmark). */
  public static ValidationSplit between(Dataset<Row> fitPart, Dataset<Row> validationPart) {
    Dataset<Row> fit = fitPart.persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> validation = validationPart.select("user_idx", "item_idx").persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> seen = fit.groupBy("user_idx").agg(sort_array(collect_list("item_idx")).as("seen"),
        count(lit(1)).as("n_train"));
    Dataset<Row> queries = validation.groupBy("user_idx").agg(collect_list("item_idx").as("relevant"))
        .join(seen, "user_idx", "left").persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> users = seen.select(col("user_idx"), lit(null).cast("string").as("segment"), col("n_train"));
    ItemInfo items = ItemInfo.load(fit.select("item_idx").distinct().withColumn("category", lit("all")), fit);
    return new ValidationSplit(fit, validation, queries, users, items);
  }

  /**
   * NDCG@K, recall@K and coverage@K on the validation split of the lists drawn from the given factors,
   * items scored as the candidates step scores them, by the full evaluator.
   */
  public Map<String, Double> score(Dataset<Row> userFactors, Dataset<Row> itemFactors, PipelineConfig config, int k) {
    return new FullEvaluator(new EvalSpec(List.of(k), k, 1, 2)).evaluate(lists(userFactors, itemFactors, config, k),
        false, validation, users, items).metrics();
  }

  private Dataset<Row> lists(Dataset<Row> userFactors, Dataset<Row> itemFactors, PipelineConfig config, int k) {
    Dataset<Row> q = queries.join(userFactors, "user_idx")
        .select(col("user_idx").as("query_idx"), col("vector"), col("seen"));
    return new BlockedTopN(k, config.get(ConfigKeys.BLOCK_SIZE)).run(q,
        Scoring.from(config, ConfigKeys.CANDIDATES_SCORING).items(itemFactors), Set.of());
  }

  public void release() {
    fit.unpersist();
    validation.unpersist();
    queries.unpersist();
  }
}
