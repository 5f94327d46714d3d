package io.recsysnightly.matrix;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Parses raw event rows and gives each malformed one a reason. Ids are trimmed; timestamps are ISO text in UTC,
 * epoch seconds (as text or a whole number) or a timestamp column; values are text or numbers. A timestamp later
 * than the wall clock is bad ({@code future_timestamp}); one after the run date but not in the future is valid and
 * simply outside this run (so a backfill of an earlier date loses nothing).
 */
public final class EventValidator {
  /** Longest id accepted; longer ones are almost always a broken upstream join or a payload. */
  public static final int MAX_ID_LENGTH = 512;

  public static final String REASON = "reason";

  /** Epoch seconds with at most 12 digits: a 13-digit number is almost surely milliseconds, so unparseable. */
  private static final long MAX_EPOCH_SECONDS = 999_999_999_999L;

  private EventValidator() {}

  /**
   * Adds the parsed columns {@code ts} (timestamp), {@code value_d} (double) and {@code reason}
   * (null for a valid row) to the raw events; ids and event type are trimmed. "The future" is fixed when this is
   * called, not when a query runs, so every scan of the result gives each row the same reason. A whole-number,
   * timestamp or double column (as {@link io.recsysnightly.io.InputReader} keeps them) is used as it is; any other
   * is parsed as text, so each row gets the same reason whichever way its file typed it.
   */
  public static Dataset<Row> annotate(Dataset<Row> raw, Set<String> knownEventTypes) {
    DataType tsType = raw.schema().apply("event_ts").dataType();
    DataType valueType = raw.schema().apply("value").dataType();
    Column rawTs = trim(col("event_ts"));
    boolean typedTs = tsType instanceof IntegralType || tsType instanceof TimestampType;
    Column ts = tsType instanceof IntegralType
        ? when(col("event_ts").between(-MAX_EPOCH_SECONDS, MAX_EPOCH_SECONDS),
            expr("timestamp_seconds(CAST(event_ts AS BIGINT))"))
        : typedTs ? col("event_ts")
        : when(rawTs.rlike("^-?[0-9]{1,12}$"), expr("timestamp_seconds(try_cast(trim(event_ts) AS BIGINT))"))
            .otherwise(expr("try_to_timestamp(trim(event_ts))"));
    Column tsMissing = typedTs ? col("event_ts").isNull() : rawTs.isNull().or(rawTs.equalTo(""));
    boolean numericValue = valueType instanceof IntegralType || valueType instanceof DoubleType;
    Column rawValue = trim(col("value"));
    Column valueGiven = numericValue ? col("value").isNotNull() : rawValue.isNotNull().and(rawValue.notEqual(""));
    Column value = numericValue ? col("value").cast("double")
        : when(valueGiven, expr("try_cast(trim(value) AS DOUBLE)")).otherwise(lit(null).cast("double"));
    Dataset<Row> parsed = raw
        .withColumn("user_id", trim(col("user_id")))
        .withColumn("item_id", trim(col("item_id")))
        .withColumn("event_type", trim(col("event_type")))
        .withColumn("ts", ts)
        .withColumn("value_d", value);
    Column reason =
        when(col("user_id").isNull(), lit("null_user_id"))
        .when(col("user_id").equalTo(""), lit("empty_user_id"))
        .when(length(col("user_id")).gt(MAX_ID_LENGTH), lit("user_id_too_long"))
        .when(col("item_id").isNull(), lit("null_item_id"))
        .when(col("item_id").equalTo(""), lit("empty_item_id"))
        .when(length(col("item_id")).gt(MAX_ID_LENGTH), lit("item_id_too_long"))
        .when(col("event_type").isNull().or(col("event_type").equalTo("")), lit("missing_event_type"))
        .when(col("event_type").isin(knownEventTypes.toArray()).unary_$bang(), lit("unknown_event_type"))
        .when(tsMissing, lit("missing_timestamp"))
        .when(col("ts").isNull(), lit("unparseable_timestamp"))
        .when(col("ts").gt(lit(Timestamp.from(Instant.now()))), lit("future_timestamp"))
        .when(valueGiven.and(col("value_d").isNull()), lit("unparseable_value"))
        .when(isnan(col("value_d")).or(abs(col("value_d")).equalTo(Double.POSITIVE_INFINITY)),
            lit("non_finite_value"))
        .when(col("value_d").lt(0), lit("negative_value"));
    return parsed.withColumn(REASON, reason);
  }

  /** The columns of a quarantined row: the raw fields as text, whatever their type in the file, and the reason. */
  public static Column[] badRecordColumns() {
    return new Column[] {col("user_id"), col("item_id"), col("event_type"), col("event_ts").cast("string").as("event_ts"),
        col("value").cast("string").as("value"), col(REASON)};
  }
}
