package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.report.StepReport;
import io.recsysnightly.testing.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate end to end through the command line: a run whose ALS falls below the popularity baseline
 * is refused with exit 4 and LATEST stays on the previous publication; --force publishes it and says so.
 */
class PublishGateTest {
  private static final String NEXT_DAY = "2018-09-26";

  @SuppressWarnings("unchecked")
  @Test
  void aRunWorseThanPopularityIsRefusedAndForceOverridesIt(@TempDir Path dir) throws IOException {
    SampleRun.copyTo(dir);
    // The next night's intermediates: the sample's, with an evaluation where ALS lost to popularity.
    Path work = dir.resolve("_work");
    SampleRun.copyTree(work.resolve("dt=" + SampleRun.DATE), work.resolve("dt=" + NEXT_DAY));
    Path metrics = work.resolve("dt=" + NEXT_DAY).resolve("metrics.json");
    Map<String, Object> m = StepReport.parseJson(Files.readString(metrics));
    ((Map<String, Object>) m.get("als")).put("ndcg@10", 0.01);
    Files.writeString(metrics, StepReport.toJson(m));
    Files.deleteIfExists(metrics.resolveSibling(".metrics.json.crc")); // Hadoop's checksum of the old text

    String[] publish = {"publish", "--conf", SampleRun.REPO.resolve("conf/recsys.properties").toString(),
        "--output", dir.toString(), "--date", NEXT_DAY};
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(err, true));
    int code;
    try {
      code = Main.run(publish, SharedSpark::get);
    } finally {
      System.setErr(original);
    }
    assertEquals(4, code, err.toString());
    assertTrue(err.toString().contains("below the most-popular baseline"), err.toString());
    assertEquals("dt=" + SampleRun.DATE, Files.readString(dir.resolve("LATEST")).trim(), "LATEST must not move");
    assertFalse(Files.exists(dir.resolve("dt=" + NEXT_DAY)), "a refused run is not published");
    Map<String, Object> refused = StepReport.parseJson(
        Files.readString(dir.resolve("_refused/dt=" + NEXT_DAY + "/manifest.json")));
    assertEquals(false, ((Map<String, Object>) refused.get("gate")).get("passed"));

    String[] forced = {publish[0], publish[1], publish[2], publish[3], publish[4], publish[5], publish[6], "--force"};
    assertEquals(0, Main.run(forced, SharedSpark::get));
    assertEquals("dt=" + NEXT_DAY, Files.readString(dir.resolve("LATEST")).trim());
    Map<String, Object> manifest = StepReport.parseJson(
        Files.readString(dir.resolve("dt=" + NEXT_DAY + "/manifest.json")));
    Map<String, Object> gate = (Map<String, Object>) manifest.get("gate");
    assertEquals(false, gate.get("passed"));
    assertEquals(true, gate.get("forced"));
    assertTrue(Files.exists(dir.resolve("dt=" + NEXT_DAY + "/_SUCCESS")));
  }

  @Test
  void aMalformedInputFileExitsWith3NamingTheFileAndColumn(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("events.csv"), "user_id,item_id,timestamp\nu1,m1,2018-01-01 00:00:00\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(err, true));
    int code;
    try {
      code = Main.run(new String[] {"build-matrix", "--date", "2018-01-02", "--input", dir.toString(), "--output",
          dir.resolve("out").toString(), "--set", "recsys.input.items=", "--set", "recsys.input.users=", "--set",
          "recsys.input.deletions=", "--set", "recsys.input.blocklist="}, SharedSpark::get);
    } finally {
      System.setErr(original);
    }
    assertEquals(3, code, err.toString());
    assertTrue(err.toString().contains(dir.resolve("events.csv").toString()), err.toString());
    assertTrue(err.toString().contains("'event_type'"), err.toString());
  }
}
