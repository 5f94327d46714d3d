package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.recsysnightly.spark.ScalaSeqs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The whole evaluation of models' top-K lists against the holdout, at several K: ranking metrics,
 * hit rate, coverage, exposure Gini, intra-list diversity, popularity bias, NDCG per segment and per
 * activity bucket, and the distributions the run report plots. Several models are evaluated in one
 * pass: their lists are unioned with a {@code model} column and every aggregate is grouped by it,
 * so the number of Spark jobs does not grow with the number of models. Per-user work runs on the
 * executors; only aggregates (averages, per-group averages, per-item counts, a histogram) reach the
 * driver. Users with held-out items count (no list scores zero); users with a list but no held-out
 * item are skipped and counted.
 */
public final class FullEvaluator {
  private static final String[] PER_K = {"precision", "recall", "ndcg", "map", "hit_rate", "diversity", "rec_pop"};
  private static final int HISTOGRAM_BINS = 20;
  private static final int LONG_TAIL_BINS = 20;

  private final EvalSpec spec;

  public FullEvaluator(EvalSpec spec) {
    this.spec = spec;
  }

  /**
   * One model's lists.
   *
   * @param withDetails false: headline metrics only (no per-group or distribution details), as tuning needs
   * @see #evaluateAll
   */
  public ModelEvaluation evaluate(Dataset<Row> recs, boolean withDetails, Dataset<Row> holdout, Dataset<Row> users,
      ItemInfo items) {
    String model = "model";
    return evaluateAll(Map.of(model, recs), withDetails ? Set.of(model) : Set.of(), holdout, users, items)
        .get(model);
  }

  /**
   * @param recsByModel per model name, {@code query_idx int, recs array<struct<item_idx int, score, ...>>},
   *     best first, at least {@link EvalSpec#maxK()} long when the catalogue allows
   * @param detailed the models that also get the per-group and distribution details
   * @param holdout {@code user_idx int, item_idx int}
   * @param users {@code user_idx int, segment string (nullable), n_train long}: may miss users
   * @param items the catalogue with categories and training popularity
   * @return per model, in the order of {@code recsByModel}
   */
  public Map<String, ModelEvaluation> evaluateAll(Map<String, Dataset<Row>> recsByModel, Set<String> detailed,
      Dataset<Row> holdout, Dataset<Row> users, ItemInfo items) {
    SparkSession spark = holdout.sparkSession();
    Broadcast<ItemInfo> itemInfo = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(items);
    Dataset<Row> lists = null;
    for (Map.Entry<String, Dataset<Row>> model : recsByModel.entrySet()) {
      Dataset<Row> one = model.getValue().select(lit(model.getKey()).as("model"), col("query_idx").as("user_idx"),
          expr("transform(slice(recs, 1, " + spec.maxK() + "), r -> r.item_idx)").as("top"),
          expr("transform(slice(recs, 1, " + spec.focusK() + "), r -> CAST(r.score AS FLOAT))").as("scores"));
      lists = lists == null ? one : lists.unionByName(one);
    }
    // The lists are drawn once: every aggregate below reads this copy, not the top-N kernel again.
    lists.persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> relevant = holdout.groupBy("user_idx").agg(collect_list("item_idx").as("relevant"));
    // Every held-out user once per model, with the model's list when it has one.
    Dataset<Row> models = spark.createDataset(new ArrayList<>(recsByModel.keySet()), Encoders.STRING()).toDF("model");
    Dataset<Row> joined = models.crossJoin(relevant).join(lists, ScalaSeqs.seq(List.of("model", "user_idx")), "left")
        .join(users.select("user_idx", "segment", "n_train"), "user_idx", "left");
    joined.persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> perUser = joined.map(new PerUser(spec, itemInfo), Encoders.row(PerUser.schema(spec)));
    perUser.persist(StorageLevel.MEMORY_AND_DISK());

    Map<String, Map<String, Double>> metrics = averages(perUser);
    Map<String, Long> skipped = new HashMap<>();
    for (Row r : lists.join(relevant, "user_idx", "left_anti").groupBy("model").count().collectAsList()) {
      skipped.put(r.getString(0), r.getLong(1));
    }
    Map<String, long[][]> exposure = exposure(joined, items.size());
    Map<String, Map<String, Object>> details = new HashMap<>();
    for (String model : detailed) {
      details.put(model, new LinkedHashMap<>());
    }
    if (!detailed.isEmpty()) {
      String ndcg = column("ndcg", spec.focusK());
      Dataset<Row> detailedUsers = perUser.where(col("model").isin(detailed.toArray()));
      groupAverages(detailedUsers, "segment", ndcg, "by_segment", details);
      groupAverages(detailedUsers, "bucket", ndcg, "by_activity", details);
      long[] heldOut = heldOutCounts(holdout, items.size());
      Map<String, Map<String, Object>> histograms = scoreHistograms(joined.where(col("model").isin(detailed.toArray())));
      for (String model : detailed) {
        long[] focus = exposureOf(exposure, model, items.size())[spec.ks().indexOf(spec.focusK())];
        details.get(model).put("long_tail", ExposureStats.longTail(items.popularity(), items.inCatalogue(), focus,
            heldOut, LONG_TAIL_BINS));
        details.get(model).put("coverage_by_category", ExposureStats.coverageByCategory(items, focus));
        details.get(model).put("score_histogram", histograms.getOrDefault(model, emptyHistogram()));
      }
    }
    joined.unpersist();
    perUser.unpersist();
    lists.unpersist();

    Map<String, ModelEvaluation> out = new LinkedHashMap<>();
    for (String model : recsByModel.keySet()) {
      Map<String, Double> m = metrics.getOrDefault(model, new LinkedHashMap<>());
      long[][] counts = exposureOf(exposure, model, items.size());
      for (int i = 0; i < spec.ks().size(); i++) {
        int k = spec.ks().get(i);
        long[] catalogueCounts = catalogueOnly(counts[i], items);
        long covered = Arrays.stream(catalogueCounts).filter(c -> c > 0).count();
        m.put("coverage@" + k, items.catalogueSize() == 0 ? 0 : (double) covered / items.catalogueSize());
        m.put("gini@" + k, ExposureStats.gini(catalogueCounts));
      }
      m.put("users_skipped_no_holdout", (double) skipped.getOrDefault(model, 0L));
      out.put(model, new ModelEvaluation(m, details.getOrDefault(model, new LinkedHashMap<>())));
    }
    return out;
  }

  static String column(String metric, int k) {
    return metric + "_" + k;
  }

  /** Per model: the per-K averages over its evaluated users, and how many there were. */
  private Map<String, Map<String, Double>> averages(Dataset<Row> perUser) {
    List<Column> aggs = new ArrayList<>();
    for (int k : spec.ks()) {
      for (String m : PER_K) {
        aggs.add(avg(column(m, k)));
      }
    }
    aggs.add(avg("holdout_pop"));
    aggs.add(count(lit(1)));
    Map<String, Map<String, Double>> out = new HashMap<>();
    for (Row row : perUser.groupBy("model").agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0]))
        .collectAsList()) {
      Map<String, Double> m = new LinkedHashMap<>();
      int i = 1;
      for (int k : spec.ks()) {
        for (String name : PER_K) {
          m.put(name.equals("rec_pop") ? "popularity_of_recommended@" + k : name + "@" + k,
              row.isNullAt(i) ? 0 : row.getDouble(i));
          i++;
        }
      }
      m.put("popularity_of_holdout", row.isNullAt(i) ? 0 : row.getDouble(i));
      m.put("users_evaluated", (double) row.getLong(i + 1));
      out.put(row.getString(0), m);
    }
    return out;
  }

  private static void groupAverages(Dataset<Row> perUser, String by, String metric, String name,
      Map<String, Map<String, Object>> details) {
    Map<String, Map<String, Object>> groups = new HashMap<>();
    for (Row r : perUser.groupBy(col("model"), col(by)).agg(avg(metric), count(lit(1)))
        .orderBy(col("model"), col(by)).collectAsList()) {
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("ndcg", r.getDouble(2));
      g.put("users", r.getLong(3));
      groups.computeIfAbsent(r.getString(0), m -> new LinkedHashMap<>()).put(r.isNullAt(1) ? "(none)" : r.getString(1), g);
    }
    details.forEach((model, d) -> d.put(name, groups.getOrDefault(model, new LinkedHashMap<>())));
  }

  /** Per model and K, how often each item index appears in the evaluated users' top-K lists. */
  private Map<String, long[][]> exposure(Dataset<Row> joined, int size) {
    Dataset<Row> slots = joined.where(col("top").isNotNull())
        .select(col("model"), posexplode(col("top")).as(new String[] {"pos", "item"}));
    List<Column> aggs = new ArrayList<>();
    for (int k : spec.ks()) {
      aggs.add(sum(when(col("pos").lt(k), 1L).otherwise(0L)));
    }
    Map<String, long[][]> out = new HashMap<>();
    for (Row r : slots.groupBy("model", "item").agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0]))
        .collectAsList()) {
      long[][] counts = out.computeIfAbsent(r.getString(0), m -> new long[spec.ks().size()][size]);
      int item = r.getInt(1);
      for (int i = 0; i < spec.ks().size(); i++) {
        if (item < size) {
          counts[i][item] = r.getLong(i + 2);
        }
      }
    }
    return out;
  }

  private long[][] exposureOf(Map<String, long[][]> exposure, String model, int size) {
    return exposure.getOrDefault(model, new long[spec.ks().size()][size]);
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
    return IntStream.range(0, counts.length).filter(i -> items.inCatalogue()[i]).mapToLong(i -> counts[i]).toArray();
  }

  /**
   * Per model, a histogram of the scores in the evaluated users' top-K lists (K = the focus K), equal-width
   * bins between the model's smallest and largest score.
   */
  private static Map<String, Map<String, Object>> scoreHistograms(Dataset<Row> joined) {
    Dataset<Row> scores = joined.where(col("scores").isNotNull())
        .select(col("model"), explode(col("scores")).as("s"));
    Dataset<Row> ranges = scores.groupBy("model").agg(min("s").as("lo"), max("s").as("hi"))
        .withColumn("width", when(col("hi").gt(col("lo")), col("hi").minus(col("lo")).divide(HISTOGRAM_BINS))
            .otherwise(lit(1.0)));
    ranges.persist(StorageLevel.MEMORY_AND_DISK());
    Map<String, Map<String, Object>> out = new HashMap<>();
    for (Row r : ranges.collectAsList()) {
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("min", (double) r.getFloat(1));
      h.put("max", (double) r.getFloat(2));
      h.put("counts", new long[HISTOGRAM_BINS]);
      out.put(r.getString(0), h);
    }
    Column bin = least(floor(col("s").minus(col("lo")).divide(col("width"))).cast("int"), lit(HISTOGRAM_BINS - 1));
    for (Row r : scores.join(broadcast(ranges), "model").groupBy(col("model"), bin.as("bin")).count()
        .collectAsList()) {
      ((long[]) out.get(r.getString(0)).get("counts"))[r.getInt(1)] = r.getLong(2);
    }
    ranges.unpersist();
    return out;
  }

  private static Map<String, Object> emptyHistogram() {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("min", 0.0);
    h.put("max", 0.0);
    h.put("counts", new long[HISTOGRAM_BINS]);
    return h;
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
          .add("model", DataTypes.StringType, false)
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
      values.add(r.getString(r.fieldIndex("model")));
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
