package io.recsysnightly.jobs;

import io.recsysnightly.RecsysException;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.FileStore;
import io.recsysnightly.io.RunPaths;
import io.recsysnightly.report.StageProfile;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * {@code --profile}: Spark's event log and the table of every stage's cost ({@link StageProfile}) of one
 * run, in {@code <work>/dt=D/profile/}. The event log needs settings before the session starts, the
 * table a listener on it; both are written even when the run fails, when they are most wanted.
 */
final class Profiling {
  static final String EVENT_LOG_ENABLED = "spark.eventLog.enabled";
  static final String EVENT_LOG_DIR = "spark.eventLog.dir";

  private final FileStore files;
  private final Path dir;
  private StageProfile stages;

  private Profiling(FileStore files, Path dir) {
    this.files = files;
    this.dir = dir;
  }

  /** With --profile, for a command with a run date: creates the folder and asks for the event log. */
  static Optional<Profiling> before(Command command, Options options, PipelineConfig config) {
    if (options.extra(Options.PROFILE).isEmpty()) {
      return Optional.empty();
    }
    if (!command.needsDate()) {
      throw RecsysException.config("--profile profiles a run of the pipeline; %s is not one (use it with "
          + "nightly or a step).", command.name());
    }
    FileStore files = new FileStore(new Configuration());
    Path dir = new Path(new RunPaths(config, config.runDate()).runDir(), "profile");
    files.mkdirs(dir);
    // Read by the SparkConf of the session about to start (a session already running, as in the tests,
    // keeps its own settings and only the stage table is written).
    System.setProperty(EVENT_LOG_ENABLED, "true");
    System.setProperty(EVENT_LOG_DIR, files.fs(dir).makeQualified(dir).toString());
    return Optional.of(new Profiling(files, dir));
  }

  void started(SparkSession spark) {
    System.clearProperty(EVENT_LOG_ENABLED);
    System.clearProperty(EVENT_LOG_DIR);
    stages = StageProfile.attach(spark);
  }

  /** Writes the stage table; a failure here is reported, never raised over the run's own outcome. */
  void finished(SparkSession spark) {
    try {
      stages.detach(spark);
      Path table = new Path(dir, "stages.txt");
      files.writeTextAtomically(table, stages.table());
      System.out.printf("%s: profile of %d Spark stages in %s (the event log, written when the session "
          + "stops, is beside it)%n", Main.PROGRAM, stages.stages().size(), table);
    } catch (RuntimeException e) {
      System.err.println("warning: the profile could not be written to " + dir + ": " + e);
    }
  }
}
