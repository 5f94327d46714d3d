package io.recsysnightly.matrix;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import java.sql.Timestamp;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Splits the interaction pairs for evaluation. Per user (the default): a user with at least
 * {@code minInteractions} pairs has the most recent {@code floor(fraction * n)} of them held out, a
 * temporal leave-last-out; ties in time are broken by item index so the split is deterministic.
 * Cutoff: every pair last seen at or after a moment is held out.
 */
public final class HoldoutSplit {
  private final Column isHoldout;

  private HoldoutSplit(Column isHoldout) {
    this.isHoldout = isHoldout;
  }

  public static HoldoutSplit perUser(double fraction, int minInteractions) {
    return perUser("user_idx", fraction, minInteractions);
  }

  /**
   * Per user, users told apart by {@code userColumn}: any column that names a user once gives the same split,
   * and the column the pairs are already partitioned by spares the window a shuffle.
   */
  public static HoldoutSplit perUser(String userColumn, double fraction, int minInteractions) {
    var byUser = Window.partitionBy(userColumn);
    Column n = count(lit(1)).over(byUser);
    Column rank = row_number().over(byUser.orderBy(col("last_ts").desc(), col("item_idx").desc()));
    return new HoldoutSplit(n.geq(minInteractions).and(rank.leq(floor(n.multiply(fraction)))));
  }

  public static HoldoutSplit cutoff(Timestamp from) {
    return new HoldoutSplit(col("last_ts").geq(lit(from)));
  }

  /** Adds a boolean column {@code holdout} to pairs with {@code user_idx, item_idx, last_ts}. */
  public Dataset<Row> mark(Dataset<Row> pairs) {
    return pairs.withColumn("holdout", isHoldout);
  }
}
