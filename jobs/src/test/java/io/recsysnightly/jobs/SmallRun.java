package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.report.StepReport;
import io.recsysnightly.testing.SharedSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small generated input (60 users, 40 items, a few hundred events) and the options that run the
 * pipeline on it in seconds: for the tests that run many publications (kills, idempotency, rollback).
 */
final class SmallRun {
  static final String D1 = "2024-03-01";
  static final String D2 = "2024-03-02";

  /** The key=value settings every run on this input uses. */
  static final List<String> SETTINGS = List.of("recsys.input.users=", "recsys.input.deletions=",
      "recsys.input.blocklist=", "recsys.als.rank=4", "recsys.als.max-iter=3", "recsys.candidates.n=10",
      "recsys.publish.list-size=5", "recsys.similar.m=5", "recsys.split.min-interactions=4",
      // The parameters are pinned (tests compare runs and force outcomes); NightlySearchTest covers the search.
      "recsys.tune.nightly=false", "recsys.als.params-from-data=false",
      // Random data: ALS need not beat popularity; the other gate checks stay on.
      "recsys.gate.require-beat-baseline=false");

  private final Path in;
  private final Path out;

  SmallRun(Path root) {
    this.in = root.resolve("in");
    this.out = root.resolve("out");
    writeInputs();
  }

  Path out() {
    return out;
  }

  Path in() {
    return in;
  }

  /** The arguments of {@code command} for {@code date} on this input, plus {@code more}. */
  String[] args(String command, String date, String... more) {
    List<String> args = new ArrayList<>(List.of(command, "--conf", SampleRun.REPO.resolve("conf/recsys.properties")
        .toString(), "--input", in.toString(), "--output", out.toString()));
    if (date != null) {
      args.addAll(List.of("--date", date));
    }
    for (String set : SETTINGS) {
      args.addAll(List.of("--set", set));
    }
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  /** Runs a command in this JVM on the shared session; its exit code. */
  int run(String command, String date, String... more) {
    return Main.run(args(command, date, more), SharedSpark::get);
  }

  void runOk(String command, String date, String... more) {
    assertEquals(0, run(command, date, more), command + " " + date + " must succeed");
  }

  String latest() {
    try {
      return Files.readString(out.resolve("LATEST")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * What a reader following LATEST sees, checked with DuckDB: the directory LATEST names is complete
   * (_SUCCESS, manifest) and every dataset has exactly the rows its manifest says, all of one model
   * version. Returns the name LATEST holds.
   */
  @SuppressWarnings("unchecked")
  String assertLatestComplete() {
    String name = latest();
    Path dir = out.resolve(name);
    assertTrue(Files.exists(dir.resolve("_SUCCESS")), name + " has no _SUCCESS");
    Map<String, Object> manifest;
    try {
      manifest = StepReport.parseJson(Files.readString(dir.resolve("manifest.json")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> counts = (Map<String, Object>) manifest.get("output_counts");
    for (String dataset : List.of("recommendations", "user_embeddings", "item_embeddings", "similar_items")) {
      String source = "read_parquet('" + dir.resolve(dataset) + "/*.parquet', hive_partitioning = false)";
      assertEquals(((Number) counts.get(dataset)).longValue(), SampleRun.duckdbLong("SELECT count(*) FROM " + source),
          dataset + " of " + name + " does not hold the rows its manifest says");
    }
    assertEquals(List.of(List.of(manifest.get("model_version"))), SampleRun.duckdb("SELECT DISTINCT model_version FROM "
        + "read_parquet('" + dir.resolve("recommendations") + "/*.parquet', hive_partitioning = false)"));
    return name;
  }

  private void writeInputs() {
    Random random = new Random(7);
    StringBuilder events = new StringBuilder("user_id,item_id,event_type,event_ts,value\n");
    for (int u = 1; u <= 60; u++) {
      int n = 6 + random.nextInt(8);
      for (int e = 0; e < n; e++) {
        // Items cluster by user group so ALS has something to learn.
        int item = 1 + (u % 4) * 10 + random.nextInt(10);
        events.append(String.format("u%d,i%d,%s,2024-02-%02d %02d:%02d:00,%d%n", u, item,
            random.nextInt(5) == 0 ? "tag" : "rating", 1 + random.nextInt(28), random.nextInt(24), random.nextInt(60),
            1 + random.nextInt(5)));
      }
    }
    StringBuilder items = new StringBuilder("item_id,category\n");
    for (int i = 1; i <= 40; i++) {
      items.append("i").append(i).append(",c").append((i - 1) / 10).append('\n');
    }
    try {
      Files.createDirectories(in);
      Files.writeString(in.resolve("events.csv"), events);
      Files.writeString(in.resolve("items.csv"), items);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
