package io.recsysnightly.jobs;

import static io.recsysnightly.jobs.ChildKill.assertNoLeftovers;
import static io.recsysnightly.jobs.ChildKill.killAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.report.StepReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL at named points of refresh, in a real separate JVM: after each kill the delta pointer names a
 * complete delta (read with DuckDB), LATEST has not moved, and the next refresh succeeds and cleans up.
 */
class CrashKillRefreshTest {
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
}
