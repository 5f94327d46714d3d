package io.recsysnightly.coldstart;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Element-wise mean of {@code vector array<float>} per key, computed distributed (never collected). */
public final class VectorMeans {
  private VectorMeans() {}

  /** Rows {@code key, vector} for every distinct non-null value of {@code key}. */
  public static Dataset<Row> meanBy(Dataset<Row> vectors, String key) {
    return vectors.where(col(key).isNotNull())
        .select(col(key), posexplode(col("vector")).as(new String[] {"pos", "x"}))
        .groupBy(key, "pos").agg(avg("x").as("mean"))
        .groupBy(key).agg(sort_array(collect_list(struct(col("pos"), col("mean")))).as("means"))
        .select(col(key), expr("transform(means, m -> CAST(m.mean AS FLOAT))").as("vector"));
  }
}
