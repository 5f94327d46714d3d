package io.recsysnightly.coldstart;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Element-wise mean of {@code vector array<float>} per key, computed distributed (never collected).
 * Each partition first sums its vectors per key (mapPartitions: a running sum per key, where exploding
 * every vector into one row per coordinate would shuffle rows × rank rows); only those partial sums,
 * partitions × keys × rank values, are exploded and combined.
 */
public final class VectorMeans {
  private VectorMeans() {}

  /** Rows {@code key, vector} for every distinct non-null value of {@code key}. */
  public static Dataset<Row> meanBy(Dataset<Row> vectors, String key) {
    return meanBy(vectors, key, null);
  }

  /**
   * {@link #meanBy(Dataset, String)}, plus a row keyed {@code allKey} (when not null) whose vector is the
   * mean of every vector, the null-keyed ones included: both from the same pass.
   */
  public static Dataset<Row> meanBy(Dataset<Row> vectors, String key, Object allKey) {
    Dataset<Row> input = vectors.select(col(key), col("vector"));
    DataType keyType = input.schema().apply(0).dataType();
    StructType partial = new StructType().add(key, keyType, true)
        .add("sums", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
        .add("counts", DataTypes.createArrayType(DataTypes.LongType, false), false);
    MapPartitionsFunction<Row, Row> sumPartition = rows -> partialSums(rows, allKey);
    return input.mapPartitions(sumPartition, Encoders.row(partial))
        .selectExpr(key, "posexplode(arrays_zip(sums, counts)) AS (pos, p)")
        .groupBy(key, "pos").agg(sum("p.sums").divide(sum("p.counts")).as("mean"))
        .groupBy(key).agg(sort_array(collect_list(struct(col("pos"), col("mean")))).as("means"))
        .select(col(key), expr("transform(means, m -> CAST(m.mean AS FLOAT))").as("vector"));
  }

  /** One partition's rows {@code key, sums, counts}: per key, each coordinate's sum and how many vectors had it. */
  private static Iterator<Row> partialSums(Iterator<Row> rows, Object allKey) {
    Map<Object, double[]> sums = new LinkedHashMap<>();
    Map<Object, long[]> counts = new LinkedHashMap<>();
    rows.forEachRemaining(r -> {
      if (r.isNullAt(1)) {
        return;
      }
      List<Float> vector = r.getList(1);
      if (!r.isNullAt(0)) {
        add(sums, counts, r.get(0), vector);
      }
      if (allKey != null) {
        add(sums, counts, allKey, vector);
      }
    });
    List<Row> out = new ArrayList<>(sums.size());
    sums.forEach((k, s) -> out.add(RowFactory.create(k, s, counts.get(k))));
    return out.iterator();
  }

  private static void add(Map<Object, double[]> sums, Map<Object, long[]> counts, Object key, List<Float> vector) {
    double[] s = sums.get(key);
    long[] n = counts.get(key);
    if (s == null || s.length < vector.size()) {
      s = s == null ? new double[vector.size()] : Arrays.copyOf(s, vector.size());
      n = n == null ? new long[vector.size()] : Arrays.copyOf(n, vector.size());
      sums.put(key, s);
      counts.put(key, n);
    }
    for (int i = 0; i < vector.size(); i++) {
      s[i] += vector.get(i);
      n[i]++;
    }
  }
}
