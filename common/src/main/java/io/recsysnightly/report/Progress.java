package io.recsysnightly.report;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import org.apache.spark.sql.SparkSession;

/**
 * Progress lines on the terminal, and the same text as the Spark job description so the Spark UI
 * shows "train: fitting ALS on all interactions" instead of "collect at ...".
 */
public final class Progress {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final SparkSession spark;
  private final String step;

  public Progress(SparkSession spark, String step) {
    this.spark = spark;
    this.step = step;
  }

  public void phase(String what) {
    System.out.printf("%s [%s] %s%n", LocalTime.now().format(CLOCK), step, what);
    System.out.flush();
    spark.sparkContext().setJobDescription(step + ": " + what);
  }
}
