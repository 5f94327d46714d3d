package io.recsysnightly.jobs;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.FileStore;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.publish.RunLock;
import java.time.Duration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/** What a running command has: the session, the validated configuration and its parsed options. */
record CommandContext(SparkSession spark, PipelineConfig config, Options options) {

  /** The context of the run for the configured date (commands that declare they need a date). */
  RunContext run() {
    return RunContext.of(spark, config);
  }

  FileStore files() {
    return new FileStore(spark.sparkContext().hadoopConfiguration());
  }

  Path outputRoot() {
    return new Path(config.get(ConfigKeys.OUTPUT_ROOT));
  }

  /** Takes the output root's run lock for this command (exit 5 when a live run holds it). */
  RunLock lock(String command) {
    String what = command + config.get(ConfigKeys.RUN_DATE).map(d -> " " + d).orElse("");
    long maxAgeMillis = (long) (config.get(ConfigKeys.LOCK_MAX_AGE_HOURS) * 3_600_000);
    return RunLock.acquire(files(), outputRoot(), what, Duration.ofMillis(maxAgeMillis));
  }

  boolean flag(String name) {
    return options.extras().containsKey(name);
  }
}
