package io.recsysnightly.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.timestamp_seconds;
import static org.apache.spark.sql.functions.when;

import io.recsysnightly.RecsysException;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Converts a raw MovieLens folder ({@code ratings.csv}, {@code movies.csv}) to the pipeline's input
 * schema, the protocol of the ml-latest-small quality figures in docs/quality.md: every rating is one
 * {@code rating} event (a positive, whatever its stars), ids prefixed {@code u}/{@code m} as in
 * data-samples/, an item's category its first listed genre, its created_ts January 1st of the year in its
 * title; no users, deletions or blocklist.
 */
public final class MovieLensInput {
  private MovieLensInput() {}

  /**
   * Writes {@code events.parquet} and {@code items.parquet} under {@code out} and returns
   * {@code config} pointed at them.
   */
  public static PipelineConfig convert(SparkSession spark, Path source, Path out, PipelineConfig config) {
    Path ratings = source.resolve("ratings.csv");
    Path movies = source.resolve("movies.csv");
    if (!Files.isRegularFile(ratings) || !Files.isRegularFile(movies)) {
      throw RecsysException.input("%s is not a MovieLens folder: it needs ratings.csv and movies.csv.", source);
    }
    Dataset<Row> events = spark.read().option("header", true).option("inferSchema", true).csv(ratings.toString())
        .select(concat(lit("u"), col("userId").cast("string")).as("user_id"),
            concat(lit("m"), col("movieId").cast("string")).as("item_id"),
            lit("rating").as("event_type"),
            timestamp_seconds(col("timestamp").cast("long")).as("event_ts"),
            col("rating").cast("double").as("value"));
    events.coalesce(1).write().mode(SaveMode.Overwrite).parquet(out.resolve("events.parquet").toString());
    Dataset<Row> items = spark.read().option("header", true).option("quote", "\"").option("escape", "\"")
        .csv(movies.toString())
        .withColumn("year", regexp_extract(col("title"), "\\((\\d{4})\\)\\s*$", 1))
        // created_ts as data-samples/ has it: January 1st of the year in the title, when there is one.
        .select(concat(lit("m"), col("movieId")).as("item_id"), split(col("genres"), "\\|").getItem(0).as("category"),
            when(col("year").notEqual(""), concat(col("year"), lit("-01-01 00:00:00"))).as("created_ts"));
    items.coalesce(1).write().mode(SaveMode.Overwrite).parquet(out.resolve("items.parquet").toString());
    return config.with(ConfigKeys.INPUT_ROOT.name(), out.toString())
        .with(ConfigKeys.INPUT_EVENTS.name(), "events.parquet")
        .with(ConfigKeys.INPUT_ITEMS.name(), "items.parquet")
        .with(ConfigKeys.INPUT_USERS.name(), "")
        .with(ConfigKeys.INPUT_DELETIONS.name(), "")
        .with(ConfigKeys.INPUT_BLOCKLIST.name(), "")
        .with(ConfigKeys.INPUT_FORMAT.name(), "parquet");
  }
}
