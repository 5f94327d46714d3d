package io.recsysnightly.io;

import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import java.util.UUID;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/** What every step of one run needs: the session, the configuration, the paths and the file store. */
public record RunContext(SparkSession spark, PipelineConfig config, RunPaths paths, FileStore files) {

  public static RunContext of(SparkSession spark, PipelineConfig config) {
    return new RunContext(spark, config, new RunPaths(config, config.runDate()),
        new FileStore(spark.sparkContext().hadoopConfiguration()));
  }

  public Progress progress(String step) {
    return new Progress(spark, step);
  }

  /**
   * Writes {@code data} as Parquet to a hidden sibling of {@code target}, then swaps it in, so a
   * step never leaves a half-written output behind and a re-run replaces the old one whole.
   */
  public void writeAtomically(Dataset<Row> data, Path target) {
    Path tmp = new Path(target.getParent(), "_tmp-" + target.getName() + "-" + UUID.randomUUID());
    data.write().mode(SaveMode.Overwrite).parquet(tmp.toString());
    files.swapDirectory(tmp, target);
  }

  /**
   * Writes {@code data} as Parquet to {@code path} (a staging directory: it must not exist yet) and
   * returns the rows written, counted from what is on disk rather than from the plan.
   */
  public long writeCounted(Dataset<Row> data, Path path) {
    data.write().parquet(path.toString());
    return read(path).count();
  }

  public Dataset<Row> read(Path path) {
    return spark.read().parquet(path.toString());
  }

  /** Saves the step's report beside its outputs; publish gathers these into the manifest. */
  public StepReport finish(StepReport report) {
    report.finished();
    files.writeTextAtomically(paths.stepReport(report.step()), report.toJson());
    return report;
  }
}
