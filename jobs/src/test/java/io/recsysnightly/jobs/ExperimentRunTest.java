package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.experiment.Experiment;
import io.recsysnightly.experiment.VariantAssignment;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.testing.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A/B variants end to end on the small input: every variant published under variant=NAME/ equal to a
 * plain run with its overrides alone, every user assigned, and a refused variant left out while the
 * others go live.
 */
class ExperimentRunTest {
  private static final String D = "dt=" + SmallRun.D1;
  private static final String[] SMALL_OVERRIDES = {"recsys.als.rank=3", "recsys.rerank.mmr-lambda=0.8"};
  /** The comparison needs no evaluation fits: they would only make the test slower. */
  private static final String NO_EVALUATION = "recsys.eval.enabled=false";

  @SuppressWarnings("unchecked")
  @Test
  void eachVariantPublishesWhatARunWithItsOverridesAloneWould(@TempDir Path dir) throws IOException {
    SmallRun experiment = new SmallRun(dir.resolve("experiment"));
    experiment.runOk("nightly", SmallRun.D1, "--set", NO_EVALUATION, "--set",
        "recsys.experiment.variants=control:0.6,small:0.4",
        "--set", "recsys.experiment.salt=s1", "--set", "recsys.variant.small." + SMALL_OVERRIDES[0],
        "--set", "recsys.variant.small." + SMALL_OVERRIDES[1]);
    SmallRun plain = new SmallRun(dir.resolve("plain"));
    plain.runOk("nightly", SmallRun.D1, "--set", NO_EVALUATION, "--set", SMALL_OVERRIDES[0], "--set",
        SMALL_OVERRIDES[1]);

    assertEquals(D, experiment.latest());
    Path publication = experiment.out().resolve(D);
    for (String dataset : List.of("recommendations", "user_embeddings", "item_embeddings", "similar_items",
        "segment_recommendations", "category_recommendations")) {
      List<Row> small = rows(publication.resolve(dataset).resolve("variant=small"));
      assertEquals(rows(plain.out().resolve(D).resolve(dataset)), small, dataset + " of variant small");
      assertFalse(small.isEmpty(), dataset);
    }
    assertNotEquals(rows(publication.resolve("recommendations/variant=control")),
        rows(publication.resolve("recommendations/variant=small")),
        "the override must change something, or the comparison above proves nothing");

    // A serving loader reads the dataset root: one row per user and variant, the variant a column.
    Dataset<Row> recs = SharedSpark.get().read().parquet(publication.resolve("recommendations").toString());
    long users = recs.where("variant = 'control'").count();
    assertEquals(2 * users, recs.select("user_id", "variant").distinct().count());

    // Every user assigned, by the same hash the class computes here.
    List<Row> assignments = SharedSpark.get().read().parquet(publication.resolve("assignments").toString())
        .collectAsList();
    assertEquals(users, assignments.size());
    PipelineConfig config = PipelineConfig.load(Optional.empty(), List.of("recsys.experiment.variants=control:0.6,"
        + "small:0.4", "recsys.experiment.salt=s1"));
    VariantAssignment expected = Experiment.assignment(config);
    for (Row r : assignments) {
      assertEquals(expected.variantOf(r.getString(0)), r.getString(1), r.getString(0));
    }

    // The serving lookup of docs/experiments.md, in DuckDB: exactly one non-empty list per user, from their variant.
    assertEquals(users, SampleRun.duckdbLong("SELECT count(*) FROM read_parquet('"
        + publication.resolve("assignments") + "/*.parquet') a JOIN read_parquet('" + publication.resolve(
        "recommendations") + "/*/*.parquet', hive_partitioning = true) r ON r.user_id = a.user_id AND r.variant = "
        + "a.variant WHERE len(r.recs) > 0"));

    Map<String, Object> manifest = StepReport.parseJson(Files.readString(publication.resolve("manifest.json")));
    Map<String, Object> exp = (Map<String, Object>) manifest.get("experiment");
    assertEquals(List.of("control", "small"), exp.get("published_variants"));
    Map<String, Object> observed = (Map<String, Object>) exp.get("observed_shares");
    long inSmall = assignments.stream().filter(r -> r.getString(1).equals("small")).count();
    assertEquals((double) inSmall / users, ((Number) observed.get("small")).doubleValue(), 1e-12);
    Map<String, Object> variants = (Map<String, Object>) manifest.get("variants");
    assertEquals(Map.of("recsys.als.rank", "3", "recsys.rerank.mmr-lambda", "0.8"),
        ((Map<String, Object>) variants.get("small")).get("overrides"));
    Map<String, Object> smallMetrics = (Map<String, Object>) ((Map<String, Object>) variants.get("small"))
        .get("metrics");
    assertEquals(3, ((Number) ((Map<String, Object>) smallMetrics.get("params")).get("rank")).intValue());
    String report = Files.readString(publication.resolve("report.html"));
    assertTrue(report.contains("A/B variants") && report.contains("arm-shares"), "the report compares the variants");
    // An experiment publication has no intraday refresh yet: a clear usage error, nothing written.
    assertEquals(2, experiment.run("refresh", null, "--as-of", "2024-03-02T12:00:00Z"));
    assertFalse(Files.exists(experiment.out().resolve("refresh")));
  }

  @SuppressWarnings("unchecked")
  @Test
  void aRefusedVariantLeavesTheOthersPublished(@TempDir Path dir) throws IOException {
    SmallRun run = new SmallRun(dir);
    String[] experiment = {"--set", "recsys.eval.item-knn=false", "--set",
        "recsys.experiment.variants=control:0.5,bad:0.5", "--set",
        "recsys.variant.bad.recsys.als.rank=3", "--set", "recsys.variant.bad.recsys.gate.require-beat-baseline=true"};
    for (String step : List.of("build-matrix", "train", "cold-start", "candidates", "rerank")) {
      run.runOk(step, SmallRun.D1, experiment);
    }
    loseToPopularity(run, "bad");
    run.runOk("publish", SmallRun.D1, experiment);

    assertEquals(D, run.latest(), "LATEST moves: control passed");
    Path publication = run.out().resolve(D);
    for (String dataset : List.of("recommendations", "user_embeddings", "item_embeddings", "similar_items")) {
      assertEquals(List.of("variant=control"), names(publication.resolve(dataset)), dataset);
      assertTrue(Files.isDirectory(run.out().resolve("_refused").resolve(D).resolve("variant=bad").resolve(dataset)),
          "the refused variant's " + dataset + " is kept aside");
    }
    List<Row> variants = SharedSpark.get().read().parquet(publication.resolve("assignments").toString())
        .select("variant").distinct().collectAsList();
    assertEquals(List.of("control"), variants.stream().map(r -> r.getString(0)).toList(),
        "the refused variant's users are served by the published one");
    Map<String, Object> manifest = StepReport.parseJson(Files.readString(publication.resolve("manifest.json")));
    Map<String, Object> refused = (Map<String, Object>) ((Map<String, Object>) manifest.get("experiment"))
        .get("refused_variants");
    assertEquals(List.of("bad"), List.copyOf(refused.keySet()));
    assertTrue(String.valueOf(refused.get("bad")).contains("below the most-popular baseline"), refused.toString());
    assertEquals(false, ((Map<String, Object>) manifest.get("gate")).get("passed"), "the refusal is not hidden");
    ByteArrayOutputStream status = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(status, true, StandardCharsets.UTF_8));
    try {
      run.runOk("status", null);
    } finally {
      System.setOut(stdout);
    }
    assertTrue(status.toString(StandardCharsets.UTF_8).contains("A/B variants published [control], refused [bad]"),
        status.toString(StandardCharsets.UTF_8));

    // Every variant refused: as without an experiment, exit 4 and LATEST stays.
    loseToPopularity(run, "control");
    assertEquals(4, run.run("publish", SmallRun.D1, concat(experiment, "--set",
        "recsys.variant.control.recsys.gate.require-beat-baseline=true")));
    assertEquals(D, run.latest());
    assertTrue(Files.exists(run.out().resolve("_refused").resolve(D).resolve("manifest.json")));
  }

  /** Makes the variant's evaluation say ALS lost to the most-popular baseline. */
  @SuppressWarnings("unchecked")
  private static void loseToPopularity(SmallRun run, String variant) throws IOException {
    Path metrics = run.out().resolve("_work").resolve(D).resolve("variant=" + variant).resolve("metrics.json");
    Map<String, Object> m = StepReport.parseJson(Files.readString(metrics));
    ((Map<String, Object>) m.get("popularity")).put("ndcg@10", 1.0);
    Files.writeString(metrics, StepReport.toJson(m));
    Files.deleteIfExists(metrics.resolveSibling(".metrics.json.crc")); // Hadoop's checksum of the old text
  }

  private static String[] concat(String[] first, String... more) {
    String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
    System.arraycopy(more, 0, all, first.length, more.length);
    return all;
  }

  private static List<String> names(Path dir) throws IOException {
    try (var list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".") && !n.startsWith("_"))
          .sorted().toList();
    }
  }

  /** The rows of a published dataset, model_version left out (it digests the whole configuration), sorted. */
  private static List<Row> rows(Path path) {
    Dataset<Row> data = SharedSpark.get().read().parquet(path.toString());
    String key = data.columns()[0];
    return data.drop("model_version").orderBy(key).collectAsList();
  }
}
