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

  /** A counter over {@code total} units of work that prints each completed unit with rate and ETA. */
  public Tracker track(String what, long total) {
    phase(what + ": 0/" + total);
    return new Tracker(what, total);
  }

  /** Progress through a known number of units (models, trials, blocks). */
  public final class Tracker {
    private final String what;
    private final long total;
    private final long start = System.nanoTime();
    private long done;

    private Tracker(String what, long total) {
      this.what = what;
      this.total = total;
    }

    /** One more unit finished; {@code label} says which. */
    public void advance(String label) {
      done++;
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.println(LocalTime.now().format(CLOCK) + " [" + step + "] " + line(what, done, total, seconds, label));
      System.out.flush();
      spark.sparkContext().setJobDescription(step + ": " + what + " " + done + "/" + total);
    }
  }

  /** "what: 3/12 (label), 0.25/s, ETA 36 s": the text of one progress line. */
  static String line(String what, long done, long total, double seconds, String label) {
    double rate = seconds > 0 ? done / seconds : 0;
    String eta = rate > 0 ? String.format(java.util.Locale.ROOT, "%.0f s", (total - done) / rate) : "?";
    return String.format(java.util.Locale.ROOT, "%s: %d/%d (%s), %.3g/s, %.0f s elapsed, ETA %s", what, done, total,
        label, rate, seconds, eta);
  }
}
