package io.recsysnightly.knn;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.config.ConfigKey;
import io.recsysnightly.config.PipelineConfig;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.Seq;

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

  /**
   * The vector scaled to unit length (a zero vector stays zero). A compiled function: Spark runs its higher-order
   * functions ({@code aggregate}, {@code transform}) interpreted, which took 3-4 s for 50k vectors of rank 64.
   */
  public static Column normalised(Column vector) {
    return NORMALISED.apply(vector);
  }

  private static final UserDefinedFunction NORMALISED = udf((UDF1<Seq<Float>, float[]>) v -> {
    if (v == null) {
      return null;
    }
    float[] x = new float[v.length()];
    for (int f = 0; f < x.length; f++) {
      x[f] = v.apply(f);
    }
    normalise(x, 0, x.length);
    return x;
  }, DataTypes.createArrayType(DataTypes.FloatType, false));

  /** The item side collected to the driver, as the kernel must see it (a copy for cosine). */
  public FactorMatrix items(FactorMatrix vectors) {
    if (this == DOT) {
      return vectors;
    }
    float[] unit = vectors.vectors().clone();
    for (int i = 0; i < vectors.size(); i++) {
      normalise(unit, i * vectors.rank(), vectors.rank());
    }
    return new FactorMatrix(unit, vectors.ids(), vectors.rank());
  }

  /** Scales {@code v[from, from + rank)} to unit length in place (a zero vector stays zero). */
  private static void normalise(float[] v, int from, int rank) {
    double squares = 0;
    for (int f = from; f < from + rank; f++) {
      squares += v[f] * v[f];
    }
    double norm = Math.max(Math.sqrt(squares), 1e-12);
    for (int f = from; f < from + rank; f++) {
      v[f] = (float) (v[f] / norm);
    }
  }
}
