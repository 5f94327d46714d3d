package io.recsysnightly.matrix;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log1p;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.unix_micros;
import static org.apache.spark.sql.functions.when;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Turns valid events into the implicit-feedback strength of each (user, item) pair:
 * {@code min(cap, sum of weight[type] * f(value) * 2^(-age / halfLife))}, age in days from the end
 * of the run date (or the refresh instant). Applies the per-user event cap (most recent events kept) first.
 */
public final class InteractionWeighter {
  private static final double MICROS_PER_DAY = 86_400e6;

  private final Map<String, Double> weights;
  private final String valueTransform;
  private final double halfLifeDays;
  private final double maxStrength;
  private final int maxEventsPerUser;

  public InteractionWeighter(Map<String, Double> weights, String valueTransform, double halfLifeDays,
      double maxStrength, int maxEventsPerUser) {
    this.weights = weights;
    this.valueTransform = valueTransform;
    this.halfLifeDays = halfLifeDays;
    this.maxStrength = maxStrength;
    this.maxEventsPerUser = maxEventsPerUser;
  }

  /** The weighting the configuration describes (event weights, value transform, decay, caps). */
  public static InteractionWeighter from(PipelineConfig config) {
    return new InteractionWeighter(config.get(ConfigKeys.EVENT_WEIGHTS), config.get(ConfigKeys.VALUE_TRANSFORM),
        config.get(ConfigKeys.HALF_LIFE_DAYS), config.get(ConfigKeys.MAX_STRENGTH),
        config.get(ConfigKeys.MAX_EVENTS_PER_USER));
  }

  /** The per-user event cap. */
  public int maxEventsPerUser() {
    return maxEventsPerUser;
  }

  /** Keeps each user's most recent {@code maxEventsPerUser} events (ties broken by item and type). */
  public Dataset<Row> capPerUser(Dataset<Row> events) {
    return events
        .withColumn("_rn", row_number().over(Window.partitionBy("user_id")
            .orderBy(col("ts").desc(), col("item_id"), col("event_type"), col("value_d"))))
        .where(col("_rn").leq(maxEventsPerUser))
        .drop("_rn");
  }

  /**
   * Pairs {@code user_id, item_id, strength, n_events, first_ts, last_ts} from events with columns
   * {@code user_id, item_id, event_type, ts, value_d}; {@code endMicros} is the end of the run date.
   */
  public Dataset<Row> strengths(Dataset<Row> events, long endMicros) {
    return strengths(events, endMicros, lit(true), List.of());
  }

  /**
   * As {@link #strengths(Dataset, long)} over the events where {@code counted} holds, with {@code alsoPerPair}
   * aggregated per pair over all of them: one pass gives a caller its pairs and its counts. A pair none of whose
   * events is counted has {@code n_events} 0 and a null strength, first and last time.
   */
  public Dataset<Row> strengths(Dataset<Row> events, long endMicros, Column counted, List<Column> alsoPerPair) {
    Column weight = lit(0.0);
    for (Map.Entry<String, Double> e : weights.entrySet()) {
      weight = when(col("event_type").equalTo(e.getKey()), lit(e.getValue())).otherwise(weight);
    }
    Column f = switch (valueTransform) {
      case "linear" -> when(col("value_d").isNull(), lit(1.0)).otherwise(col("value_d"));
      case "log1p" -> when(col("value_d").isNull(), lit(1.0)).otherwise(log1p(col("value_d")));
      default -> lit(1.0);
    };
    Column ageDays = lit(endMicros).minus(unix_micros(col("ts"))).divide(MICROS_PER_DAY);
    Column decay = halfLifeDays > 0 ? pow(lit(2.0), ageDays.divide(-halfLifeDays)) : lit(1.0);
    List<Column> aggregates = new ArrayList<>(List.of(sum("_contribution").as("strength"),
        sum(when(counted, 1).otherwise(0)).as("n_events"), min(when(counted, col("ts"))).as("first_ts"),
        max(when(counted, col("ts"))).as("last_ts")));
    aggregates.addAll(alsoPerPair);
    return events
        .withColumn("_contribution", when(counted, weight.multiply(f).multiply(decay)))
        .groupBy("user_id", "item_id")
        .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new))
        // least() skips a null: a pair with nothing counted would get the cap, not stay null.
        .withColumn("strength", when(col("strength").isNotNull(), least(col("strength"), lit(maxStrength))))
        .withColumn("n_events", col("n_events").cast("int"));
  }
}
