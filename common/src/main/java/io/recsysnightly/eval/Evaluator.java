package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Evaluates top-K lists against the holdout, distributed: per-user metrics are computed on the
 * executors and only their averages reach the driver. Every user with held-out items counts; one
 * without a list scores zero.
 */
public final class Evaluator {
  private static final StructType PER_USER;

  static {
    StructType s = new StructType();
    for (String name : RankingMetrics.NAMES) {
      s = s.add(name, DataTypes.DoubleType, false);
    }
    PER_USER = s;
  }

  private Evaluator() {}

  /**
   * @param recs {@code query_idx int, recs array<struct<item_idx int, ...>>}, best first
   * @param holdout {@code user_idx int, item_idx int}
   * @param catalogueSize number of items that could be recommended (the coverage denominator)
   * @return {@code precision@K, recall@K, ndcg@K, map@K, hit_rate@K, coverage@K, users_evaluated}
   */
  public static Map<String, Double> evaluate(Dataset<Row> recs, Dataset<Row> holdout, int k, long catalogueSize) {
    Dataset<Row> relevant = holdout.groupBy("user_idx").agg(collect_list("item_idx").as("relevant"));
    Column topK = expr("transform(slice(recs, 1, " + k + "), r -> r.item_idx)");
    Dataset<Row> lists = recs.select(col("query_idx").as("user_idx"), topK.as("top"));
    Dataset<Row> joined = relevant.join(lists, "user_idx", "left");
    MapFunction<Row, Row> perUser = r -> {
      int[] rel = r.<Integer>getList(r.fieldIndex("relevant")).stream().mapToInt(Integer::intValue).toArray();
      int[] top = r.isNullAt(r.fieldIndex("top")) ? new int[0]
          : r.<Integer>getList(r.fieldIndex("top")).stream().mapToInt(Integer::intValue).toArray();
      double[] m = RankingMetrics.forUser(top, rel, k);
      Object[] values = new Object[m.length];
      for (int i = 0; i < m.length; i++) {
        values[i] = m[i];
      }
      return RowFactory.create(values);
    };
    Dataset<Row> metrics = joined.map(perUser, Encoders.row(PER_USER));
    Column[] averages = new Column[RankingMetrics.NAMES.length + 1];
    for (int i = 0; i < RankingMetrics.NAMES.length; i++) {
      averages[i] = avg(RankingMetrics.NAMES[i]);
    }
    averages[RankingMetrics.NAMES.length] = org.apache.spark.sql.functions.count("*");
    Row row = metrics.agg(averages[0], java.util.Arrays.copyOfRange(averages, 1, averages.length)).first();
    long users = row.getLong(RankingMetrics.NAMES.length);
    Map<String, Double> out = new LinkedHashMap<>();
    for (int i = 0; i < RankingMetrics.NAMES.length; i++) {
      out.put(String.format(Locale.ROOT, "%s@%d", RankingMetrics.NAMES[i], k), users == 0 ? 0.0 : row.getDouble(i));
    }
    long distinct = joined.where(col("top").isNotNull()).select(explode(col("top")).as("item")).distinct().count();
    out.put("coverage@" + k, catalogueSize == 0 ? 0.0 : (double) distinct / catalogueSize);
    out.put("users_evaluated", (double) users);
    return out;
  }

  /** Convenience for reports: the metric names in order. */
  public static List<String> names(int k) {
    return List.of("precision@" + k, "recall@" + k, "ndcg@" + k, "map@" + k, "hit_rate@" + k, "coverage@" + k);
  }
}
