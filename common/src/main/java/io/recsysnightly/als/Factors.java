package io.recsysnightly.als;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The factor tables of a fitted model, in the pipeline's column names ({@code *_idx, vector}). */
public final class Factors {
  private Factors() {}

  public static Dataset<Row> users(ALSModel model) {
    return model.userFactors().select(col("id").as("user_idx"), col("features").as("vector"));
  }

  public static Dataset<Row> items(ALSModel model) {
    return model.itemFactors().select(col("id").as("item_idx"), col("features").as("vector"));
  }
}
