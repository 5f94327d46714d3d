package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkStageInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --profile writes a table of the run's Spark stages that agrees with Spark's own status tracker. */
class ProfilingTest {
  @Test
  void aProfiledStepWritesEveryStageItRanWithSparksTaskCounts(@TempDir Path dir) throws IOException {
    SmallRun run = new SmallRun(dir);
    run.runOk("build-matrix", SmallRun.D1, "--profile");
    Path table = run.out().resolve("_work/dt=" + SmallRun.D1 + "/profile/stages.txt");
    List<String> lines = Files.readAllLines(table);
    assertTrue(lines.get(0).trim().startsWith("stage"), lines.get(0));
    List<String> rows = lines.subList(1, lines.size() - 1);
    assertTrue(rows.size() > 5, "build-matrix runs many stages:\n" + String.join("\n", lines));
    long tasks = 0;
    for (String row : rows) {
      String[] f = row.trim().split("\\s+");
      // Each row's task count is the one Spark's status tracker knows for that stage.
      SparkStageInfo info = SharedSpark.get().sparkContext().statusTracker().getStageInfo(Integer.parseInt(f[0]))
          .get();
      assertEquals(info.numTasks(), Integer.parseInt(f[1]), row);
      tasks += Integer.parseInt(f[1]);
    }
    String[] total = lines.get(lines.size() - 1).trim().split("\\s+");
    assertEquals("total", total[0]);
    assertEquals(tasks, Long.parseLong(total[1]));
    assertTrue(rows.stream().anyMatch(r -> Double.parseDouble(r.trim().split("\\s+")[4]) > 0),
        "some stage read the input");
    assertTrue(rows.stream().anyMatch(r -> r.contains("build-matrix: reading and validating events | ")),
        "stages are named by the phase that ran them:\n" + String.join("\n", lines));
    assertFalse(System.getProperties().containsKey(Profiling.EVENT_LOG_DIR), "the event log setting is cleared");
  }

  @Test
  void aCommandWithoutARunCannotBeProfiled(@TempDir Path dir) {
    assertEquals(2, Main.run(new String[] {"status", "--output", dir.toString(), "--profile"}, SharedSpark::get));
  }
}
