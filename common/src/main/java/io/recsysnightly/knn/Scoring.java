package io.recsysnightly.knn;

import static org.apache.spark.sql.functions.aggregate;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.transform;

import io.recsysnightly.config.ConfigKey;
import io.recsysnightly.config.PipelineConfig;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * How a query vector scores an item: the dot product, or the cosine. For one query, cosine ranks
 * items as the dot product with unit item vectors does (the query's own length is the same for all
 * items), so cosine is the kernel's dot product on normalised item vectors. The dot product favours
 * items with long vectors, which in implicit ALS are mostly the popular ones.
 */
public enum Scoring {
  DOT,
  COSINE;

  public static Scoring from(PipelineConfig config, ConfigKey<String> key) {
    return valueOf(config.get(key).toUpperCase(Locale.ROOT));
  }

  /** The item side as the kernel must see it: unchanged for dot products, unit vectors for cosine. */
  public Dataset<Row> items(Dataset<Row> vectors) {
    return this == DOT ? vectors : vectors.withColumn("vector", normalised(col("vector")));
  }

  /** The vector scaled to unit length (a zero vector stays zero). */
  public static Column normalised(Column vector) {
    Column norm = sqrt(aggregate(vector, lit(0d), (acc, y) -> acc.plus(y.multiply(y))));
    return transform(vector, x -> x.divide(greatest(norm, lit(1e-12d))).cast("float"));
  }
}
