package io.recsysnightly.als;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log1p;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import java.io.Serializable;
import org.apache.spark.sql.Column;

/**
 * The transform from interaction strength r to the "rating" given to implicit ALS, which then uses
 * confidence {@code 1 + alpha * rating}: linear (r) or log ({@code ln(1 + r / epsilon)}). Training
 * and fold-in both go through this class so they agree exactly.
 */
public final class Confidence implements Serializable {
  private final boolean log;
  private final double epsilon;

  public Confidence(boolean log, double epsilon) {
    this.log = log;
    this.epsilon = epsilon;
  }

  public static Confidence from(PipelineConfig config) {
    return new Confidence(config.get(ConfigKeys.CONFIDENCE).equals("log"), config.get(ConfigKeys.LOG_EPSILON));
  }

  public Column rating(String strengthColumn) {
    return log ? log1p(col(strengthColumn).divide(lit(epsilon))) : col(strengthColumn);
  }

  public double rating(double strength) {
    return log ? Math.log1p(strength / epsilon) : strength;
  }
}
