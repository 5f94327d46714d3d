package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.recsysnightly.publish.CrashPoints;
import io.recsysnightly.report.StepReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL at named points of publish, nightly and refresh, in a real separate JVM: after each kill a
 * reader following LATEST (and a refresh delta's pointer) with DuckDB sees complete data, the previous
 * or the new, and re-running succeeds and leaves no staging behind.
 */
class CrashKillTest {
  /**
   * The points of publish, in the order it reaches them, where what is on disk differs for a reader or for
   * the re-run: each kill costs a child JVM with Spark, so states a neighbour already leaves are not
   * repeated. Of the datasets staged one after the other, the first and the last are kept (in between, the
   * staging directory only holds more of the same); before-rename leaves what success-written leaves.
   */
  static final List<String> PUBLISH_POINTS = List.of("publish.start", "publish.leftovers-cleaned",
      "publish.wrote-recommendations", "publish.wrote-category_recommendations", "publish.gate-checked",
      "publish.manifest-tmp", "publish.manifest-written", "publish.success-tmp", "publish.success-written",
      "publish.renamed", "publish.latest-tmp", "publish.latest-written", "publish.done");
  /**
   * Points between the steps of nightly: before any output and after the first step. A kill later
   * between steps leaves complete step outputs of D2 that the re-run replaces, as after the first
   * step, and each such kill re-runs every earlier step in a child JVM (minutes of CI), so the
   * later boundaries are not repeated; publish's own points are all above.
   */
  static final List<String> NIGHTLY_POINTS = List.of("nightly.before-build-matrix", "nightly.after-build-matrix");
  /**
   * The points of refresh where what is on disk differs for a reader or for the next run: a half-staged
   * delta, a renamed one not yet named, a half-written pointer. (The start, the other dataset writes, the
   * markers and the points after the pointer moved leave the state of a neighbour or of a finished run,
   * whose pruning RefreshTest checks; each kill costs a child JVM with Spark, so they are not repeated.)
   */
  static final List<String> REFRESH_POINTS = List.of("refresh.wrote-recommendations", "refresh.renamed",
      "refresh.pointer-tmp");
  private static final String AS_OF = "2024-03-02T12:00:00Z";

  @Test
  void aKillAtAnyPointLeavesLatestCompleteAndTheDateCanBeRerun(@TempDir Path dir) throws Exception {
    SmallRun run = new SmallRun(dir);
    run.runOk("nightly", SmallRun.D1);
    for (String step : List.of("build-matrix", "train", "cold-start", "candidates", "rerank")) {
      run.runOk(step, SmallRun.D2);
    }
    assertEquals("dt=" + SmallRun.D1, run.assertLatestComplete());

    List<String> killed = new ArrayList<>();
    for (String point : PUBLISH_POINTS) {
      String before = run.latest();
      killAt(run, point, "publish", SmallRun.D2);
      assertLatestIsPreviousOrNew(run, before, point);
      killed.add(point);
      // A re-run of the killed command, in this JVM: takes over the dead run's lock, cleans up, publishes.
      run.runOk("publish", SmallRun.D2);
      assertTrue(run.assertLatestComplete().startsWith("dt=" + SmallRun.D2), "LATEST must name a run of D2");
      assertNoLeftovers(run);
    }
    for (String point : NIGHTLY_POINTS) {
      String before = run.latest();
      killAt(run, point, "nightly", SmallRun.D2);
      assertLatestIsPreviousOrNew(run, before, point);
      killed.add(point);
    }
    run.runOk("nightly", SmallRun.D2);
    assertNoLeftovers(run);
    assertTrue(killed.size() >= 15, killed.toString());
    // Every publication that ever got a name is complete: kills never leave a half-moved directory.
    try (Stream<Path> dirs = Files.list(run.out())) {
      for (Path p : dirs.filter(p -> p.getFileName().toString().startsWith("dt=")).toList()) {
        assertTrue(Files.exists(p.resolve("_SUCCESS")) && Files.exists(p.resolve("manifest.json")), p.toString());
      }
    }
  }

  @Test
  void aKillAtAnyPointOfRefreshLeavesTheDeltaPointerCompleteAndTheNextRefreshCleansUp(@TempDir Path dir)
      throws Exception {
    SmallRun run = new SmallRun(dir);
    run.runOk("nightly", SmallRun.D1);
    Files.writeString(run.in().resolve("events.csv"), "u1,i31,rating,2024-03-02 08:00:00,5\n"
        + "u7,i2,rating,2024-03-02 09:00:00,4\n", java.nio.file.StandardOpenOption.APPEND);
    run.runOk("refresh", null, "--as-of", AS_OF);
    String publication = run.latest();
    Path deltas = run.out().resolve("refresh").resolve(publication);
    for (String point : REFRESH_POINTS) {
      String before = Files.readString(deltas.resolve("LATEST")).strip();
      killAt(run, point, "refresh", null, "--as-of", AS_OF);
      String after = Files.readString(deltas.resolve("LATEST")).strip();
      assertTrue(after.equals(before) || Integer.parseInt(after.substring(6)) > Integer.parseInt(before.substring(6)),
          "after a kill at " + point + " the pointer names " + after + ", neither " + before + " nor a newer delta");
      assertDeltaComplete(deltas.resolve(after));
      assertEquals(publication, run.assertLatestComplete(), "refresh never moves LATEST");
      run.runOk("refresh", null, "--as-of", AS_OF);
      assertDeltaComplete(deltas.resolve(Files.readString(deltas.resolve("LATEST")).strip()));
      assertNoLeftovers(run);
      try (Stream<Path> left = Files.list(deltas)) {
        assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.contains("_tmp-")).toList(),
            "temporary pointer files left behind after " + point);
      }
    }
  }

  /** A delta is complete (markers written last) and holds the rows its manifest says, read by DuckDB. */
  @SuppressWarnings("unchecked")
  private static void assertDeltaComplete(Path delta) throws IOException {
    assertTrue(Files.exists(delta.resolve("_SUCCESS")), delta + " has no _SUCCESS");
    Map<String, Object> counts = (Map<String, Object>) StepReport.parseJson(Files.readString(
        delta.resolve("manifest.json"))).get("output_counts");
    for (String dataset : List.of("recommendations", "user_embeddings", "forgotten_users")) {
      assertEquals(((Number) counts.get(dataset)).longValue(), SampleRun.duckdbLong("SELECT count(*) FROM "
          + SampleRun.parquet(delta.resolve(dataset))), dataset + " of " + delta);
    }
  }

  private static void assertLatestIsPreviousOrNew(SmallRun run, String before, String point) {
    String after = run.assertLatestComplete();
    assertTrue(after.equals(before) || after.startsWith("dt=" + SmallRun.D2),
        "after a kill at " + point + " LATEST is " + after + ", neither the previous " + before + " nor a new run");
  }

  /** Runs {@code command} in a child JVM and SIGKILLs it at {@code point}; the killed run's lock stays behind. */
  private static void killAt(SmallRun run, String point, String command, String date, String... more)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + SampleRun.REPO.resolve("conf/jvm.options"), "-Xmx1g",
        // A short-lived child on a tiny input: start-up dominates, so C1 only (the collector is conf/jvm.options').
        "-XX:TieredStopAtLevel=1", "-Dspark.master=local[1]",
        "-Dspark.ui.enabled=false", "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1",
        "-Dspark.sql.shuffle.partitions=2", "-cp", System.getProperty("java.class.path"),
        Main.class.getName()));
    cmd.addAll(List.of(run.args(command, date, more)));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put(CrashPoints.ENV, point);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process child = pb.start();
    StringBuilder log = new StringBuilder();
    boolean reached = false;
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        log.append(line).append('\n');
        if (line.startsWith(CrashPoints.MARKER + point + " reached by pid " + child.pid())) {
          reached = true;
          break;
        }
      }
      if (!reached) {
        fail(point + " was never reached; the child exited with " + child.waitFor() + ":\n" + log);
      }
      child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no finally block runs
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child did not die");
    }
    assertEquals(137, child.exitValue(), "killed by SIGKILL at " + point);
    assertTrue(Files.exists(run.out().resolve("_lock")), "the killed run's lock stays behind at " + point);
  }

  private static void assertNoLeftovers(SmallRun run) throws IOException {
    Path staging = run.out().resolve("_staging");
    if (Files.isDirectory(staging)) {
      try (Stream<Path> left = Files.list(staging)) {
        assertEquals(List.of(), left.toList(), "staging left behind");
      }
    }
    try (Stream<Path> left = Files.list(run.out())) {
      assertEquals(List.of(), left.map(p -> p.getFileName().toString())
          .filter(n -> n.contains("_tmp-") || n.equals("_lock")).toList(), "temporary files or the lock left behind");
    }
    assertFalse(Files.exists(run.out().resolve("_refused")), "nothing was refused");
  }
}
