package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;

import io.recsysnightly.rerank.BlocklistFilter;
import io.recsysnightly.rerank.ItemCatalog;
import io.recsysnightly.rerank.ListReranker;
import io.recsysnightly.rerank.Rerank;
import io.recsysnightly.rerank.RerankRules;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * What each re-ranking rule costs and buys on the holdout: the evaluation fit's candidate lists,
 * re-ranked with every rule off and then with one rule at a time at two settings, each evaluated
 * like a model (NDCG, coverage, intra-list diversity, popularity of the recommended items).
 */
final class RerankTradeoffs {
  private final FullEvaluator evaluator;
  private final int focusK;
  private final int listSize;
  private final RerankRules configured;

  /** @param configured the run's rules, measured last beside each rule alone */
  RerankTradeoffs(EvalSpec spec, RerankRules configured) {
    this.evaluator = new FullEvaluator(spec);
    this.focusK = spec.focusK();
    // Greedy selection: the first K picks do not depend on the list's length, so K-metrics are the published list's.
    this.listSize = spec.maxK();
    this.configured = configured;
  }

  /** Off, then each rule alone at a mild and a strong setting, then the rules as configured. */
  Map<String, RerankRules> settings() {
    Map<String, RerankRules> s = new LinkedHashMap<>();
    s.put("every rule off", rules(1, 0, 0, 0));
    s.put("MMR lambda 0.9", rules(0.9, 0, 0, 0));
    s.put("MMR lambda 0.7", rules(0.7, 0, 0, 0));
    s.put("category cap 5", rules(1, 5, 0, 0));
    s.put("category cap 3", rules(1, 3, 0, 0));
    s.put("freshness weight 0.1", rules(1, 0, 0.1, 0));
    s.put("freshness weight 0.3", rules(1, 0, 0.3, 0));
    s.put("popularity beta 0.01", rules(1, 0, 0, 0.01));
    s.put("popularity beta 0.03", rules(1, 0, 0, 0.03));
    s.put("as configured", new RerankRules(listSize, configured.mmrLambda(), configured.categoryCap(),
        configured.freshnessWeight(), configured.freshnessHalfLifeDays(), configured.popularityBeta()));
    return s;
  }

  private RerankRules rules(double lambda, int cap, double freshness, double beta) {
    return new RerankRules(listSize, lambda, cap, freshness, configured.freshnessHalfLifeDays(), beta);
  }

  /**
   * @param candidates {@code query_idx, recs} of the evaluation fit, seen items excluded, deeper than the lists
   * @param itemTable the run's item table; popularity is replaced by the training part's, as the fit saw it
   * @param itemVectors {@code item_idx, vector} of the evaluation fit
   * @return per setting: ndcg, coverage, diversity and popularity of the recommended items at K
   */
  Map<String, Map<String, Double>> measure(Dataset<Row> candidates, Dataset<Row> train, Dataset<Row> itemTable,
      Dataset<Row> itemVectors, Broadcast<BlocklistFilter> blocklist, LocalDate runDate, Dataset<Row> holdout,
      Dataset<Row> userInfo, ItemInfo itemInfo) {
    Dataset<Row> trainPopularity = train.groupBy("item_idx").agg(countDistinct("user_idx").as("train_popularity"));
    Dataset<Row> items = itemTable.join(trainPopularity, "item_idx", "left")
        .withColumn("popularity", coalesce(col("train_popularity"), lit(0L)));
    ItemCatalog catalog = ItemCatalog.collect(items, itemVectors, runDate);
    // Reasons are not evaluated: no interactions passed, so none are looked up.
    Dataset<Row> lists = candidates.select(col("query_idx").as("user_idx"), col("recs"),
        lit(null).cast("array<int>").as("interacted"));
    lists.persist(StorageLevel.MEMORY_AND_DISK());
    Map<String, Dataset<Row>> reranked = new LinkedHashMap<>();
    settings().forEach((name, rules) -> reranked.put(name,
        Rerank.rerank(lists, new ListReranker(rules, catalog), blocklist).withColumnRenamed("user_idx", "query_idx")));
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    evaluator.evaluateAll(reranked, Set.of(), holdout, userInfo, itemInfo).forEach((setting, e) -> {
      Map<String, Double> kept = new LinkedHashMap<>();
      for (String metric : new String[] {"ndcg", "coverage", "diversity", "popularity_of_recommended"}) {
        kept.put(metric + "@" + focusK, e.metrics().get(metric + "@" + focusK));
      }
      out.put(setting, kept);
    });
    lists.unpersist();
    return out;
  }
}
