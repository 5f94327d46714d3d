package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.recsysnightly.spark.RowArrays;
import io.recsysnightly.spark.ScalaSeqs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The whole evaluation of models' top-K lists against the holdout, at several K: ranking metrics,
 * hit rate, coverage, exposure Gini, intra-list diversity, popularity bias, NDCG per segment and per
 * activity bucket, and the distributions the run report plots. Several models are evaluated in one
 * pass: their lists are unioned with a {@code model} column, joined to the held-out items, and one
 * Spark job tallies every figure of every model ({@link EvaluationTally}): the per-user work runs on
 * the executors, and only the tallies (sums, per-group sums, per-item counts, the focus K's scores)
 * reach the driver. One job instead of one per aggregate: on a sample of held-out users these are
 * small, and each aggregate's own jobs cost more in planning and scheduling than in work. Users with
 * held-out items count (no list scores zero); users with a list but no held-out item are skipped and
 * counted.
 */
public final class FullEvaluator {
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
    List<String> names = new ArrayList<>(recsByModel.keySet());
    Dataset<Row> lists = null;
    for (Map.Entry<String, Dataset<Row>> model : recsByModel.entrySet()) {
      Dataset<Row> one = model.getValue().select(lit(model.getKey()).as("model"), col("query_idx").as("user_idx"),
          expr("transform(slice(recs, 1, " + spec.maxK() + "), r -> r.item_idx)").as("top"),
          expr("transform(slice(recs, 1, " + spec.focusK() + "), r -> CAST(r.score AS FLOAT))").as("scores"));
      lists = lists == null ? one : lists.unionByName(one);
    }
    Dataset<Row> relevant = holdout.groupBy("user_idx").agg(collect_list("item_idx").as("relevant"));
    // Every held-out user once per model, with the model's list when it has one; and (the outer side) every
    // list of a user with nothing held out, to be counted as skipped.
    Dataset<Row> models = spark.createDataset(names, Encoders.STRING()).toDF("model");
    Dataset<Row> rows = models.crossJoin(relevant)
        .join(lists, ScalaSeqs.seq(List.of("model", "user_idx")), "full_outer")
        .join(users.select("user_idx", "segment", "n_train"), "user_idx", "left")
        .select("model", "relevant", "top", "scores", "segment", "n_train");
    boolean[] isDetailed = new boolean[names.size()];
    for (int i = 0; i < names.size(); i++) {
      isDetailed[i] = detailed.contains(names.get(i));
    }
    // One pass, mapPartitions because the tally is a per-partition accumulator (catalogue-sized arrays), not a
    // row-wise aggregate; coalesced to the cores, so that few tallies reach the driver. Merged in partition order.
    Broadcast<ItemInfo> itemInfo = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(items);
    EvalSpec evalSpec = spec; // the lambda's own copy: the field would capture this object
    MapPartitionsFunction<Row, EvaluationTally> tallyPartition = it -> {
      ItemInfo info = itemInfo.value();
      EvaluationTally tally = new EvaluationTally(evalSpec, isDetailed, info.size());
      it.forEachRemaining(r -> tally.add(names.indexOf(r.getString(0)), RowArrays.ints(r, 1), RowArrays.ints(r, 2),
          RowArrays.floats(r, 3), r.isNullAt(4) ? null : r.getString(4),
          r.isNullAt(5) ? 0 : ((Number) r.get(5)).longValue(), info));
      return List.of(tally).iterator();
    };
    List<EvaluationTally> partitions = rows.coalesce(spark.sparkContext().defaultParallelism())
        .mapPartitions(tallyPartition, Encoders.javaSerialization(EvaluationTally.class)).collectAsList();
    itemInfo.destroy();
    EvaluationTally tally = new EvaluationTally(spec, isDetailed, items.size());
    partitions.forEach(tally::merge);
    return summarize(tally, names, isDetailed, items);
  }

  /** Each model's figures from the merged tally of all its rows ({@code names} in the tally's model order). */
  Map<String, ModelEvaluation> summarize(EvaluationTally tally, List<String> names, boolean[] isDetailed,
      ItemInfo items) {
    Map<String, ModelEvaluation> out = new LinkedHashMap<>();
    for (int model = 0; model < names.size(); model++) {
      Map<String, Double> m = averages(tally, model);
      for (int i = 0; i < spec.ks().size(); i++) {
        int k = spec.ks().get(i);
        long[] catalogueCounts = catalogueOnly(tally.exposure[model][i], items);
        long covered = Arrays.stream(catalogueCounts).filter(c -> c > 0).count();
        m.put("coverage@" + k, items.catalogueSize() == 0 ? 0 : (double) covered / items.catalogueSize());
        m.put("gini@" + k, ExposureStats.gini(catalogueCounts));
      }
      m.put("users_skipped_no_holdout", (double) tally.skipped[model]);
      Map<String, Object> d = new LinkedHashMap<>();
      if (isDetailed[model]) {
        d.put("by_segment", groups(tally.bySegment.get(model)));
        d.put("by_activity", groups(tally.byBucket.get(model)));
        long[] focus = Arrays.stream(tally.exposure[model][spec.ks().indexOf(spec.focusK())]).asLongStream()
            .toArray();
        d.put("long_tail", ExposureStats.longTail(items.popularity(), items.inCatalogue(), focus, tally.heldOut,
            LONG_TAIL_BINS));
        d.put("coverage_by_category", ExposureStats.coverageByCategory(items, focus));
        d.put("score_histogram", histogram(tally.scoresOf(model)));
      }
      out.put(names.get(model), new ModelEvaluation(m, d));
    }
    return out;
  }

  /** A model's per-K averages over its evaluated users (0 where no user had a value), and how many there were. */
  private Map<String, Double> averages(EvaluationTally tally, int model) {
    Map<String, Double> m = new LinkedHashMap<>();
    if (tally.users[model] == 0) {
      return m;
    }
    int c = 0;
    for (int k : spec.ks()) {
      for (String name : EvaluationTally.PER_K) {
        m.put(name.equals("rec_pop") ? "popularity_of_recommended@" + k : name + "@" + k, mean(tally, model, c++));
      }
    }
    m.put("popularity_of_holdout", mean(tally, model, c));
    m.put("users_evaluated", (double) tally.users[model]);
    return m;
  }

  private static double mean(EvaluationTally tally, int model, int column) {
    long n = tally.present[model][column];
    return n == 0 ? 0 : tally.sums[model][column] / n;
  }

  /** Per group, sorted with the users without one ("(none)") first: NDCG@focus averaged, and the users. */
  private static Map<String, Object> groups(Map<String, double[]> tallies) {
    List<String> keys = new ArrayList<>(tallies.keySet());
    keys.sort(Comparator.nullsFirst(Comparator.naturalOrder()));
    Map<String, Object> out = new LinkedHashMap<>();
    for (String key : keys) {
      double[] t = tallies.get(key);
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("ndcg", t[0] / t[1]);
      g.put("users", (long) t[1]);
      out.put(key == null ? "(none)" : key, g);
    }
    return out;
  }

  /**
   * Equal-width bins between the smallest and the largest score (the float arithmetic of the SQL this
   * replaced: width = (max − min) / bins in double, bin = floor((s − min) / width), the last bin closed).
   */
  private static Map<String, Object> histogram(float[] scores) {
    Map<String, Object> h = new LinkedHashMap<>();
    long[] counts = new long[HISTOGRAM_BINS];
    if (scores.length == 0) {
      h.put("min", 0.0);
      h.put("max", 0.0);
      h.put("counts", counts);
      return h;
    }
    float lo = Float.POSITIVE_INFINITY;
    float hi = Float.NEGATIVE_INFINITY;
    for (float s : scores) {
      lo = Math.min(lo, s);
      hi = Math.max(hi, s);
    }
    double width = hi > lo ? (double) (hi - lo) / HISTOGRAM_BINS : 1.0;
    for (float s : scores) {
      counts[(int) Math.min((long) Math.floor((double) (s - lo) / width), HISTOGRAM_BINS - 1)]++;
    }
    h.put("min", (double) lo);
    h.put("max", (double) hi);
    h.put("counts", counts);
    return h;
  }

  private static long[] catalogueOnly(int[] counts, ItemInfo items) {
    return IntStream.range(0, counts.length).filter(i -> items.inCatalogue()[i]).mapToLong(i -> counts[i]).toArray();
  }
}
