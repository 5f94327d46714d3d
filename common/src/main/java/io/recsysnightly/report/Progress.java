package io.recsysnightly.report;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.function.LongFunction;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
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

  /**
   * Progress of the Spark work run until the watch is closed, for steps whose units of work happen
   * inside Spark (ALS sweeps, scoring tasks): a listener counts the {@code units} each finished stage
   * and task completes, and prints a line with rate and ETA at most every {@code every} seconds, and
   * when all {@code total} are done. {@code label} names the point reached (e.g. "iteration 3 of 15").
   */
  public Watch watch(String what, long total, Units units, LongFunction<String> label, double every) {
    Tracker tracker = track(what, total);
    Watch watch = new Watch(tracker, units, label, every);
    spark.sparkContext().addSparkListener(watch);
    return watch;
  }

  /** What a finished stage or task of a watched phase contributes to its progress. */
  public interface Units {
    long of(StageInfo finishedStage);

    long of(SparkListenerTaskEnd finishedTask);

    /**
     * Finished stages whose name (Spark's call site, "flatMap at ALS.scala:1785") starts with
     * {@code prefix}: ALS runs one such stage per half-sweep, two per iteration.
     */
    static Units stagesNamed(String prefix) {
      return new Units() {
        @Override
        public long of(StageInfo stage) {
          return stage.failureReason().isEmpty() && stage.name().startsWith(prefix) ? 1 : 0;
        }

        @Override
        public long of(SparkListenerTaskEnd task) {
          return 0;
        }
      };
    }

    /** Rows written by successful tasks (one row per user scored, for candidates). */
    static Units rowsWritten() {
      return new Units() {
        @Override
        public long of(StageInfo stage) {
          return 0;
        }

        @Override
        public long of(SparkListenerTaskEnd task) {
          return task.taskInfo().successful() && task.taskMetrics() != null
              ? task.taskMetrics().outputMetrics().recordsWritten() : 0;
        }
      };
    }
  }

  /** A listener feeding a tracker; close it when the phase's Spark work is done. */
  public final class Watch extends SparkListener implements AutoCloseable {
    private final Tracker tracker;
    private final Units units;
    private final LongFunction<String> label;
    private final long everyNanos;
    private long lastPrint = System.nanoTime();

    private Watch(Tracker tracker, Units units, LongFunction<String> label, double every) {
      this.tracker = tracker;
      this.units = units;
      this.label = label;
      this.everyNanos = (long) (every * 1e9);
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted event) {
      add(units.of(event.stageInfo()));
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
      add(units.of(event));
    }

    private synchronized void add(long finished) {
      if (finished == 0) {
        return;
      }
      long now = System.nanoTime();
      boolean print = now - lastPrint >= everyNanos || tracker.done + finished >= tracker.total;
      tracker.advanceBy(finished, label.apply(tracker.done + finished), print);
      if (print) {
        lastPrint = now;
      }
    }

    /** Units counted so far. */
    public synchronized long done() {
      return tracker.done;
    }

    @Override
    public void close() {
      // Listener events are delivered asynchronously: let the bus drain so the last line is printed.
      try {
        spark.sparkContext().listenerBus().waitUntilEmpty(10_000);
      } catch (java.util.concurrent.TimeoutException e) {
        // Progress is best effort: a slow bus must not fail the step.
      }
      spark.sparkContext().removeSparkListener(this);
    }
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
      advanceBy(1, label, true);
      spark.sparkContext().setJobDescription(step + ": " + what + " " + done + "/" + total);
    }

    private void advanceBy(long units, String label, boolean print) {
      done += units;
      if (print) {
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.println(LocalTime.now().format(CLOCK) + " [" + step + "] " + line(what, done, total, seconds, label));
        System.out.flush();
      }
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
