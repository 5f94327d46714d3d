package io.recsysnightly.jobs;

import static io.recsysnightly.jobs.ChildKill.assertNoLeftovers;
import static io.recsysnightly.jobs.ChildKill.killAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL at named points of publish and nightly, in a real separate JVM: after each kill a reader
 * following LATEST with DuckDB sees complete data, the previous or the new, and re-running succeeds and
 * leaves no staging behind. Refresh's kills are {@link CrashKillRefreshTest}'s.
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

  private static void assertLatestIsPreviousOrNew(SmallRun run, String before, String point) {
    String after = run.assertLatestComplete();
    assertTrue(after.equals(before) || after.startsWith("dt=" + SmallRun.D2),
        "after a kill at " + point + " LATEST is " + after + ", neither the previous " + before + " nor a new run");
  }
}
