package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sort_array;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.knn.BlockedTopN;
import io.recsysnightly.knn.Scoring;
import io.recsysnightly.matrix.HoldoutSplit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
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

  /**
   * NDCG@K and recall@K only, as {@link #score} computes them (users without a list score zero), in one
   * Spark job over the cached queries: what the nightly search compares its points by, where the full
   * evaluator's per-model aggregates (exposure, skipped users, segments) would be most of a trial's time
   * on small data.
   */
  public Map<String, Double> ndcgAndRecall(Dataset<Row> userFactors, Dataset<Row> itemFactors, PipelineConfig config,
      int k) {
    Dataset<Row> top = lists(userFactors, itemFactors, config, k)
        .select(col("query_idx").as("user_idx"), expr("transform(recs, r -> r.item_idx)").as("top"));
    Row r = queries.select("user_idx", "relevant").join(top, "user_idx", "left")
        .map(new Headline(k), Encoders.row(Headline.SCHEMA)).agg(avg("ndcg"), avg("recall")).first();
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("ndcg@" + k, r.isNullAt(0) ? 0 : r.getDouble(0));
    out.put("recall@" + k, r.isNullAt(1) ? 0 : r.getDouble(1));
    return out;
  }

  private Dataset<Row> lists(Dataset<Row> userFactors, Dataset<Row> itemFactors, PipelineConfig config, int k) {
    Dataset<Row> q = queries.join(userFactors, "user_idx")
        .select(col("user_idx").as("query_idx"), col("vector"), col("seen"));
    return new BlockedTopN(k, config.get(ConfigKeys.BLOCK_SIZE)).run(q,
        Scoring.from(config, ConfigKeys.CANDIDATES_SCORING).items(itemFactors), Set.of());
  }

  /** One validation user's NDCG@K and recall@K. */
  private static final class Headline implements MapFunction<Row, Row> {
    static final StructType SCHEMA = new StructType().add("ndcg", DataTypes.DoubleType, false)
        .add("recall", DataTypes.DoubleType, false);
    private final int k;

    Headline(int k) {
      this.k = k;
    }

    @Override
    public Row call(Row r) {
      int[] relevant = r.<Integer>getList(1).stream().mapToInt(Integer::intValue).toArray();
      int[] top = r.isNullAt(2) ? new int[0] : r.<Integer>getList(2).stream().mapToInt(Integer::intValue).toArray();
      double[] m = RankingMetrics.forUser(top, relevant, k);
      return RowFactory.create(m[RankingMetrics.NDCG], m[RankingMetrics.RECALL]);
    }
  }

  public void release() {
    fit.unpersist();
    validation.unpersist();
    queries.unpersist();
  }
}
