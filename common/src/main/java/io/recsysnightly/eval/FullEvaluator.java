package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The whole evaluation of one model's top-K lists against the holdout, at several K: ranking
 * metrics, hit rate, coverage, exposure Gini, intra-list diversity, popularity bias, NDCG per
 * segment and per activity bucket, and the distributions the run report plots. Per-user work runs
 * on the executors; only aggregates (averages, per-group averages, per-item counts, a histogram)
 * reach the driver. Users with held-out items count (no list scores zero); users with a list but
 * no held-out item are skipped and counted.
 */
public final class FullEvaluator {
  private static final String[] PER_K = {"precision", "recall", "ndcg", "map", "hit_rate", "diversity", "rec_pop"};
  private static final int HISTOGRAM_BINS = 20;
  private static final int LONG_TAIL_BINS = 20;

  private final EvalSpec spec;
  private final boolean withDetails;

  public FullEvaluator(EvalSpec spec) {
    this(spec, true);
  }

  /** @param withDetails false: headline metrics only (no per-group or distribution details), as tuning needs */
  public FullEvaluator(EvalSpec spec, boolean withDetails) {
    this.spec = spec;
    this.withDetails = withDetails;
  }

  /**
   * @param recs {@code query_idx int, recs array<struct<item_idx int, score float, ...>>}, best first,
   *     at least {@link EvalSpec#maxK()} long when the catalogue allows
   * @param holdout {@code user_idx int, item_idx int}
   * @param users {@code user_idx int, segment string (nullable), n_train long}: may miss users
   * @param items the catalogue with categories and training popularity
   */
  public ModelEvaluation evaluate(Dataset<Row> recs, Dataset<Row> holdout, Dataset<Row> users, ItemInfo items) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(recs.sparkSession().sparkContext());
    Broadcast<ItemInfo> itemInfo = jsc.broadcast(items);
    Dataset<Row> relevant = holdout.groupBy("user_idx").agg(collect_list("item_idx").as("relevant"));
    Dataset<Row> lists = recs.select(col("query_idx").as("user_idx"),
        expr("transform(slice(recs, 1, " + spec.maxK() + "), r -> r.item_idx)").as("top"),
        expr("transform(slice(recs, 1, " + spec.focusK() + "), r -> r.score)").as("scores"));
    // The lists are scored once: every aggregate below reads this copy, not the top-N kernel again.
    lists.persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> joined = relevant.join(lists, "user_idx", "left")
        .join(users.select("user_idx", "segment", "n_train"), "user_idx", "left");
    joined.persist(StorageLevel.MEMORY_AND_DISK());

    Dataset<Row> perUser = joined.map(new PerUser(spec, itemInfo), Encoders.row(PerUser.schema(spec)));
    perUser.persist(StorageLevel.MEMORY_AND_DISK());
    Map<String, Double> metrics = new LinkedHashMap<>();
    long evaluated = averages(perUser, metrics);
    long skipped = lists.join(relevant, "user_idx", "left_anti").count();

    Map<String, Object> details = new LinkedHashMap<>();
    String ndcg = column("ndcg", spec.focusK());
    if (withDetails) {
      details.put("by_segment", groupAverages(perUser, "segment", ndcg));
      details.put("by_activity", groupAverages(perUser, "bucket", ndcg));
    }

    long[][] exposure = exposure(joined, items.size());
    for (int i = 0; i < spec.ks().size(); i++) {
      int k = spec.ks().get(i);
      long covered = 0;
      long[] catalogueCounts = catalogueOnly(exposure[i], items);
      for (long c : catalogueCounts) {
        covered += c > 0 ? 1 : 0;
      }
      metrics.put("coverage@" + k, items.catalogueSize() == 0 ? 0 : (double) covered / items.catalogueSize());
      metrics.put("gini@" + k, ExposureStats.gini(catalogueCounts));
    }
    metrics.put("users_evaluated", (double) evaluated);
    metrics.put("users_skipped_no_holdout", (double) skipped);
    if (withDetails) {
      long[] focus = exposure[spec.ks().indexOf(spec.focusK())];
      details.put("long_tail", ExposureStats.longTail(items.popularity(), items.inCatalogue(), focus,
          heldOutCounts(holdout, items.size()), LONG_TAIL_BINS));
      details.put("coverage_by_category", ExposureStats.coverageByCategory(items, focus));
      details.put("score_histogram", scoreHistogram(joined));
    }
    joined.unpersist();
    perUser.unpersist();
    lists.unpersist();
    return new ModelEvaluation(metrics, details);
  }

  static String column(String metric, int k) {
    return metric + "_" + k;
  }

  private long averages(Dataset<Row> perUser, Map<String, Double> out) {
    List<Column> aggs = new ArrayList<>();
    for (int k : spec.ks()) {
      for (String m : PER_K) {
        aggs.add(avg(column(m, k)));
      }
    }
    aggs.add(avg("holdout_pop"));
    aggs.add(count(lit(1)));
    Row row = perUser.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).first();
    long users = row.getLong(aggs.size() - 1);
    int i = 0;
    for (int k : spec.ks()) {
      for (String m : PER_K) {
        double v = row.isNullAt(i) ? 0 : row.getDouble(i);
        String name = m.equals("rec_pop") ? "popularity_of_recommended@" + k : m + "@" + k;
        out.put(name, v);
        i++;
      }
    }
    out.put("popularity_of_holdout", row.isNullAt(i) ? 0 : row.getDouble(i));
    return users;
  }

  private static Map<String, Object> groupAverages(Dataset<Row> perUser, String by, String metric) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Row r : perUser.groupBy(by).agg(avg(metric), count(lit(1))).orderBy(col(by)).collectAsList()) {
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("ndcg", r.getDouble(1));
      g.put("users", r.getLong(2));
      out.put(r.isNullAt(0) ? "(none)" : r.getString(0), g);
    }
    return out;
  }

  /** Per K, how often each item index appears in the evaluated users' top-K lists. */
  private long[][] exposure(Dataset<Row> joined, int size) {
    Dataset<Row> slots = joined.where(col("top").isNotNull()).select(posexplode(col("top")).as(new String[] {"pos", "item"}));
    List<Column> aggs = new ArrayList<>();
    for (int k : spec.ks()) {
      aggs.add(sum(when(col("pos").lt(k), 1L).otherwise(0L)));
    }
    long[][] out = new long[spec.ks().size()][size];
    List<Row> rows = slots.groupBy("item").agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0]))
        .collectAsList();
    for (Row r : rows) {
      int item = r.getInt(0);
      for (int i = 0; i < spec.ks().size(); i++) {
        if (item < size) {
          out[i][item] = r.getLong(i + 1);
        }
      }
    }
    return out;
  }

  private static long[] heldOutCounts(Dataset<Row> holdout, int size) {
    long[] out = new long[size];
    for (Row r : holdout.groupBy("item_idx").count().collectAsList()) {
      if (r.getInt(0) < size) {
        out[r.getInt(0)] = r.getLong(1);
      }
    }
    return out;
  }

  private static long[] catalogueOnly(long[] counts, ItemInfo items) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < counts.length; i++) {
      if (items.inCatalogue()[i]) {
        out.add(counts[i]);
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /** Histogram of the scores in the evaluated users' top-K lists (K = the focus K), equal-width bins. */
  private static Map<String, Object> scoreHistogram(Dataset<Row> joined) {
    Dataset<Row> scores = joined.where(col("scores").isNotNull())
        .select(org.apache.spark.sql.functions.explode(col("scores")).as("s"));
    Row range = scores.agg(min("s"), max("s")).first();
    Map<String, Object> out = new LinkedHashMap<>();
    long[] counts = new long[HISTOGRAM_BINS];
    if (range.isNullAt(0)) {
      out.put("min", 0.0);
      out.put("max", 0.0);
      out.put("counts", counts);
      return out;
    }
    double lo = range.getFloat(0);
    double hi = range.getFloat(1);
    double width = hi > lo ? (hi - lo) / HISTOGRAM_BINS : 1;
    Column bin = least(floor(col("s").minus(lo).divide(width)).cast("int"), lit(HISTOGRAM_BINS - 1));
    for (Row r : scores.groupBy(bin.as("bin")).count().collectAsList()) {
      counts[r.getInt(0)] = r.getLong(1);
    }
    out.put("min", lo);
    out.put("max", hi);
    out.put("counts", counts);
    return out;
  }

  /** Per-user metrics at every K, computed on the executors. */
  private static final class PerUser implements MapFunction<Row, Row> {
    private final EvalSpec spec;
    private final Broadcast<ItemInfo> items;

    PerUser(EvalSpec spec, Broadcast<ItemInfo> items) {
      this.spec = spec;
      this.items = items;
    }

    static StructType schema(EvalSpec spec) {
      StructType s = new StructType()
          .add("segment", DataTypes.StringType, true)
          .add("bucket", DataTypes.StringType, false)
          .add("holdout_pop", DataTypes.DoubleType, false);
      for (int k : spec.ks()) {
        for (String m : PER_K) {
          s = s.add(column(m, k), DataTypes.DoubleType, true);
        }
      }
      return s;
    }

    @Override
    public Row call(Row r) {
      ItemInfo info = items.value();
      int[] rel = r.<Integer>getList(r.fieldIndex("relevant")).stream().mapToInt(Integer::intValue).toArray();
      int[] top = r.isNullAt(r.fieldIndex("top")) ? new int[0]
          : r.<Integer>getList(r.fieldIndex("top")).stream().mapToInt(Integer::intValue).toArray();
      long nTrain = r.isNullAt(r.fieldIndex("n_train")) ? 0 : ((Number) r.get(r.fieldIndex("n_train"))).longValue();
      double users = Math.max(1, info.trainUsers());
      List<Object> values = new ArrayList<>();
      values.add(r.isNullAt(r.fieldIndex("segment")) ? null : r.getString(r.fieldIndex("segment")));
      values.add(spec.bucket(nTrain));
      double holdPop = 0;
      for (int item : rel) {
        holdPop += info.popularityOf(item) / users;
      }
      values.add(holdPop / rel.length);
      for (int k : spec.ks()) {
        double[] m = RankingMetrics.forUser(top, rel, k);
        for (double v : m) {
          values.add(v);
        }
        int len = Math.min(k, top.length);
        if (len == 0) {
          values.add(null);
          values.add(null);
        } else {
          Set<Integer> categories = new HashSet<>();
          double pop = 0;
          for (int p = 0; p < len; p++) {
            categories.add(info.categoryOf(top[p]));
            pop += info.popularityOf(top[p]) / users;
          }
          values.add((double) categories.size() / len);
          values.add(pop / len);
        }
      }
      return RowFactory.create(values.toArray());
    }
  }
}
