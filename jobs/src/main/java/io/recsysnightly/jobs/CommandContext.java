package io.recsysnightly.jobs;

import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunContext;
import org.apache.spark.sql.SparkSession;

/** What a running command has: the session, the validated configuration and its parsed options. */
record CommandContext(SparkSession spark, PipelineConfig config, Options options) {

  /** The context of the run for the configured date (commands that declare they need a date). */
  RunContext run() {
    return RunContext.of(spark, config);
  }

  boolean flag(String name) {
    return options.extras().containsKey(name);
  }
}
