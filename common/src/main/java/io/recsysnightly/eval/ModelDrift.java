package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.size;

import io.recsysnightly.io.RunContext;
import io.recsysnightly.report.StepReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * How far tonight's model moved from the last publication's: the share of users whose top-10 changed,
 * and the median cosine between an item's (a user's) embedding tonight and last night. ALS factors are
 * defined only up to a rotation, so last night's vectors are first rotated into tonight's space by the
 * orthogonal Procrustes solution over the items both nights have: R = argmin ||A R - B|| over R with
 * orthonormal columns, the polar factor of AᵀB (rectangular when the rank changed). The unaligned medians
 * are reported beside the aligned ones when the ranks are equal.
 */
public final class ModelDrift {
  private static final int TOP = 10;

  private final RunContext ctx;
  private final StepReport report;

  public ModelDrift(RunContext ctx, StepReport report) {
    this.ctx = ctx;
    this.report = report;
  }

  /**
   * @param tonight a publication directory (staged) with {@code recommendations, user_embeddings, item_embeddings}
   * @param previous the publication to compare with
   */
  public Map<String, Object> execute(Path tonight, Path previous, String previousName) {
    Map<String, Object> out = new LinkedHashMap<>();
    Dataset<Row> itemPairs = pairs(previous, tonight, "item_embeddings", "item_id");
    Row ranks = itemPairs.selectExpr("min(size(before))", "max(size(before))", "min(size(after))",
        "max(size(after))", "count(*)").first();
    if (ranks.getLong(4) == 0) {
      return notMeasured(out, "no item in both publications");
    }
    if (ranks.getInt(0) != ranks.getInt(1) || ranks.getInt(2) != ranks.getInt(3)) {
      return notMeasured(out, "embeddings of different lengths within one publication");
    }
    // Last night's rank may differ from tonight's (the nightly search chooses it): R is then rectangular.
    int before = ranks.getInt(0);
    int after = ranks.getInt(2);
    double[] rotation;
    try {
      rotation = Procrustes.rotation(crossProduct(itemPairs, before, after), before, after);
    } catch (IllegalArgumentException e) {
      return notMeasured(out, e.getMessage());
    }
    Broadcast<double[]> r = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext()).broadcast(rotation);
    out.put("checked", true);
    out.put("against", previousName);
    out.put("ranks", before + " -> " + after);
    out.put("items_compared", ranks.getLong(4));
    putCosines(out, "item", itemPairs, r, before, after);
    Dataset<Row> userPairs = pairs(previous, tonight, "user_embeddings", "user_id");
    out.put("users_compared", userPairs.count());
    putCosines(out, "user", userPairs, r, before, after);
    out.put("top10_changed_share", top10Changed(previous, tonight));
    r.destroy();
    report.metric("model drift", String.format(Locale.ROOT, "against %s (rank %s): top-10 changed for %.1f%% of "
        + "users; median cosine after alignment users %.3f, items %.3f", previousName, out.get("ranks"),
        100 * (double) out.get("top10_changed_share"), out.get("user_cosine_median"), out.get("item_cosine_median")));
    return out;
  }

  /** Records why nothing was measured (also what a run without a previous publication records). */
  public Map<String, Object> notMeasured(Map<String, Object> out, String reason) {
    out.put("checked", false);
    out.put("reason", reason);
    report.metric("model drift", "not measured: " + reason);
    return out;
  }

  /** {@code before, after} embeddings of the ids in both publications' {@code dataset}. */
  private Dataset<Row> pairs(Path previous, Path tonight, String dataset, String id) {
    return ctx.read(new Path(previous, dataset)).select(col(id), col("embedding").as("before"))
        .join(ctx.read(new Path(tonight, dataset)).select(col(id), col("embedding").as("after")), id);
  }

  /**
   * AᵀB over the item pairs (before × after ranks, row-major). A k² sum of outer products is not a SQL aggregate: an
   * RDD tree aggregate sums per-partition arrays instead of k² columns.
   */
  private static double[] crossProduct(Dataset<Row> pairs, int before, int after) {
    return pairs.select("before", "after").javaRDD().treeAggregate(new double[before * after], (acc, row) -> {
      List<Float> a = row.getList(0);
      List<Float> b = row.getList(1);
      for (int i = 0; i < before; i++) {
        double ai = a.get(i);
        for (int j = 0; j < after; j++) {
          acc[i * after + j] += ai * b.get(j);
        }
      }
      return acc;
    }, (x, y) -> {
      for (int i = 0; i < x.length; i++) {
        x[i] += y[i];
      }
      return x;
    });
  }

  /** The exact medians of cos(aR, b) and of cos(a, b) over the pairs. */
  private static void putCosines(Map<String, Object> out, String what, Dataset<Row> pairs, Broadcast<double[]> r,
      int before, int after) {
    MapFunction<Row, Double> aligned = row -> cosine(rotate(row.getList(0), r.value(), before, after),
        row.getList(1));
    Dataset<Row> input = pairs.select("before", "after");
    out.put(what + "_cosine_median", median(input.map(aligned, Encoders.DOUBLE())));
    if (before == after) { // without alignment only vectors of one length compare
      MapFunction<Row, Double> unaligned = row -> cosine(rotate(row.getList(0), null, before, after),
          row.getList(1));
      out.put(what + "_cosine_median_unaligned", median(input.map(unaligned, Encoders.DOUBLE())));
    }
  }

  private static double median(Dataset<Double> values) {
    Row m = values.toDF("v").selectExpr("percentile(v, 0.5)").first();
    return m.isNullAt(0) ? Double.NaN : m.getDouble(0);
  }

  /** The row vector a times R, before × after (R null: a itself, the ranks equal). */
  private static double[] rotate(List<Float> a, double[] r, int before, int after) {
    double[] out = new double[after];
    for (int i = 0; i < before; i++) {
      double ai = a.get(i);
      if (r == null) {
        out[i] = ai;
        continue;
      }
      for (int j = 0; j < after; j++) {
        out[j] += ai * r[i * after + j];
      }
    }
    return out;
  }

  private static double cosine(double[] a, List<Float> b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      double bi = b.get(i);
      dot += a[i] * bi;
      na += a[i] * a[i];
      nb += bi * bi;
    }
    return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
  }

  /** Among users with a list both nights, the share whose top 10 (as a set) differ. */
  private double top10Changed(Path previous, Path tonight) {
    String top = "array_sort(slice(transform(recs, x -> x.item_id), 1, " + TOP + "))";
    Dataset<Row> both = ctx.read(new Path(previous, "recommendations")).where(size(col("recs")).gt(0))
        .select(col("user_id"), expr(top).as("before"))
        .join(ctx.read(new Path(tonight, "recommendations")).where(size(col("recs")).gt(0))
            .select(col("user_id"), expr(top).as("after")), "user_id");
    Row r = both.selectExpr("count(*)", "sum(CASE WHEN before = after THEN 0 ELSE 1 END)").first();
    return r.getLong(0) == 0 ? Double.NaN : (double) r.getLong(1) / r.getLong(0);
  }
}
