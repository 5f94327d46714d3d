package io.recsysnightly.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * What each Spark stage of one command cost, for {@code --profile}: a listener records every completed
 * stage's tasks, wall time, task time, input, shuffle read and write, spill and GC time, and
 * {@link #table()} prints them, the slowest first, each named by the step and phase that ran it (the
 * job description {@link Progress#phase} sets) and its call site, so a user can see where a slow night went.
 */
public final class StageProfile extends SparkListener {
  private static final double MB = 1 << 20;
  private static final String JOB_DESCRIPTION = "spark.job.description";

  /** One completed stage attempt; bytes and milliseconds summed over its tasks except {@code wallMillis}. */
  public record Stage(int id, int attempt, String name, int tasks, long wallMillis, long taskMillis,
      long inputBytes, long shuffleReadBytes, long shuffleWriteBytes, long spillBytes, long gcMillis) {
    /** This line's counts plus {@code other}'s, under this line's id and name (the table's total). */
    Stage plus(Stage other) {
      return new Stage(id, attempt, name, tasks + other.tasks, wallMillis + other.wallMillis,
          taskMillis + other.taskMillis, inputBytes + other.inputBytes, shuffleReadBytes + other.shuffleReadBytes,
          shuffleWriteBytes + other.shuffleWriteBytes, spillBytes + other.spillBytes, gcMillis + other.gcMillis);
    }
  }

  private final List<Stage> stages = new ArrayList<>();
  /** Stage id to the job description Progress.phase set when it was submitted ("step: phase"). */
  private final Map<Integer, String> phases = new ConcurrentHashMap<>();
  private boolean timedOut;

  private StageProfile() {}

  /** Starts recording the stages of {@code spark}'s jobs. */
  public static StageProfile attach(SparkSession spark) {
    StageProfile profile = new StageProfile();
    spark.sparkContext().addSparkListener(profile);
    return profile;
  }

  /**
   * Stops recording, after the listener bus has delivered the events of every finished stage (it is
   * asynchronous: without the wait the last stages of the command could be missing).
   */
  public void detach(SparkSession spark) {
    try {
      spark.sparkContext().listenerBus().waitUntilEmpty(30_000);
    } catch (TimeoutException e) {
      // A stuck bus only costs the table its last stages: say so in it rather than fail the run.
      timedOut = true;
    }
    spark.sparkContext().removeSparkListener(this);
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted event) {
    String phase = event.properties() == null ? null : event.properties().getProperty(JOB_DESCRIPTION);
    if (phase != null) {
      phases.put(event.stageInfo().stageId(), phase);
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted event) {
    StageInfo info = event.stageInfo();
    // The phase that ran it says more than the call site, which for adaptive query stages is Spark's own.
    String name = phases.containsKey(info.stageId()) ? phases.get(info.stageId()) + " | " + info.name() : info.name();
    TaskMetrics m = info.taskMetrics();
    long wall = millis(info.completionTime()) - millis(info.submissionTime());
    Stage stage = m == null
        ? new Stage(info.stageId(), info.attemptNumber(), name, info.numTasks(), wall, 0, 0, 0, 0, 0, 0)
        : new Stage(info.stageId(), info.attemptNumber(), name, info.numTasks(), wall, m.executorRunTime(),
            m.inputMetrics().bytesRead(), m.shuffleReadMetrics().totalBytesRead(),
            m.shuffleWriteMetrics().bytesWritten(), m.memoryBytesSpilled() + m.diskBytesSpilled(), m.jvmGCTime());
    synchronized (stages) {
      stages.add(stage);
    }
  }

  /** The stages recorded so far, in completion order. */
  public List<Stage> stages() {
    synchronized (stages) {
      return List.copyOf(stages);
    }
  }

  /** A text table of the stages, slowest (wall time) first, with a total line. */
  public String table() {
    List<Stage> sorted = new ArrayList<>(stages());
    sorted.sort(Comparator.comparingLong(Stage::wallMillis).reversed().thenComparingInt(Stage::id));
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
        "%6s %6s %9s %9s %10s %10s %10s %9s %7s  %s%n", "stage", "tasks", "wall s", "task s", "input MB",
        "shuf rd MB", "shuf wr MB", "spill MB", "GC s", "name"));
    Stage total = new Stage(0, 0, sorted.size() + " stages (wall times overlap when stages run together)",
        0, 0, 0, 0, 0, 0, 0, 0);
    for (Stage stage : sorted) {
      out.append(row(stage.id() + (stage.attempt() > 0 ? "." + stage.attempt() : ""), stage));
      total = total.plus(stage);
    }
    out.append(row("total", total));
    if (timedOut) {
      out.append("(Spark's listener bus did not drain in 30 s: the last stages may be missing.)\n");
    }
    return out.toString();
  }

  private static String row(String label, Stage s) {
    return String.format(Locale.ROOT, "%6s %6d %9.2f %9.2f %10.3f %10.3f %10.3f %9.3f %7.2f  %s%n", label, s.tasks(),
        s.wallMillis() / 1e3, s.taskMillis() / 1e3, s.inputBytes() / MB, s.shuffleReadBytes() / MB,
        s.shuffleWriteBytes() / MB, s.spillBytes() / MB, s.gcMillis() / 1e3, s.name());
  }

  private static long millis(Option<Object> time) {
    return time.isDefined() ? (Long) time.get() : 0L;
  }
}
