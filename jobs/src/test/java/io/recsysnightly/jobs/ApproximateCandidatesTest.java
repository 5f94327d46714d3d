package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunPaths;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The candidates step in approximate (IVF) mode on the sample run's vectors: it reports its recall
 * against exact on a user sample (calibrated to the target), and its lists obey the same exclusions.
 */
class ApproximateCandidatesTest {

  @Test
  void approximateCandidatesReportRecallAndKeepExclusions(@TempDir Path dir) throws Exception {
    // A copy: the other test JVM reads the shared run while this one rewrites the candidates.
    Path out = SampleRun.copyTo(dir);
    String conf = SampleRun.REPO.resolve("conf/recsys.properties").toString();
    String[] args = {"candidates", "--conf", conf, "--input", SampleRun.REPO.resolve("data-samples").toString(),
        "--output", out.toString(), "--date", SampleRun.DATE, "--set", "recsys.candidates.mode=approximate",
        "--set", "recsys.candidates.ivf.clusters=16", "--set", "recsys.candidates.ivf.target-recall=0.9"};
    assertEquals(0, Main.run(args, SharedSpark::get));

    PipelineConfig config = PipelineConfig.load(Optional.of(Path.of(conf)), List.of(
        "recsys.output.root=" + out, "recsys.run.date=" + SampleRun.DATE));
    RunPaths paths = new RunPaths(config, config.runDate());
    Map<String, Object> report = StepReport.parseJson(Files.readString(Path.of(paths.stepReport("candidates")
        .toString())));
    Map<?, ?> metrics = (Map<?, ?>) report.get("metrics");
    Map<?, ?> counts = (Map<?, ?>) report.get("counts");
    double recall = ((Number) metrics.get("approximate recall@100 (sample, vs exact)")).doubleValue();
    assertTrue(recall >= 0.9, "reported recall " + recall);
    long probes = ((Number) counts.get("IVF probes per user")).longValue();
    assertTrue(probes >= 1 && probes <= 16, "probes " + probes);

    SparkSession spark = SharedSpark.get();
    Dataset<Row> recs = spark.read().parquet(paths.candidates().toString())
        .selectExpr("user_idx", "explode(recs) AS r").selectExpr("user_idx", "r.item_idx AS item_idx");
    assertTrue(recs.count() > 0);
    long seen = recs.join(spark.read().parquet(paths.matrixAll().toString()), new String[] {"user_idx", "item_idx"})
        .count();
    assertEquals(0, seen, "no item a user interacted with");
    long blocked = recs.join(spark.read().parquet(paths.blockedItems().toString()), "item_idx").count();
    assertEquals(0, blocked, "no blocklisted item");
  }
}
