package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.report.StepReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nights, the third with less than half the usual day's events: build-matrix warns of the drop,
 * the volume rule refuses the run with LATEST unchanged and says why, and with the rule off the same run
 * publishes, its report plotting the three nights.
 */
class HistoryRulesTest {
  private static final String D3 = "2024-03-03";
  /** The history rule on; no holdout evaluation (the volume rule does not read it), so no metric-drop rule either. */
  private static final String[] RULES = {"--set", "recsys.gate.min-volume-ratio=0.5", "--set",
      "recsys.eval.enabled=false"};

  @Test
  void aHalfLandedNightIsRefusedByTheVolumeRuleAndPublishesWithTheRuleOff(@TempDir Path dir) throws IOException {
    SmallRun run = new SmallRun(dir);
    appendDay(run, "2024-03-01", 20);
    appendDay(run, "2024-03-02", 20);
    appendDay(run, D3, 8);
    run.runOk("nightly", SmallRun.D1, RULES);
    run.runOk("nightly", SmallRun.D2, RULES);
    assertEquals("dt=" + SmallRun.D2, run.latest());

    assertEquals(4, run.run("nightly", D3, RULES), "the gate refuses: exit 4");
    assertEquals("dt=" + SmallRun.D2, run.latest(), "LATEST must not move");
    Map<?, ?> refused = StepReport.parseJson(Files.readString(run.out().resolve("_refused/dt=" + D3 + "/manifest.json")));
    assertEquals(List.of("input volume: 8 events on the run date, below recsys.gate.min-volume-ratio=0.5 of their "
        + "median 20 over the last 2 publications (a half-landed input?)"), ((Map<?, ?>) refused.get("gate")).get("reasons"));
    Map<?, ?> matrix = (Map<?, ?>) StepReport.parseJson(Files.readString(run.out().resolve("_work/dt=" + D3
        + "/steps/build-matrix.json"))).get("metrics");
    assertEquals("8, 0.40x the median of 2 nights  WARNING: drifted", matrix.get("input drift: volume"));

    // The same night with the rule off (its default): only publish runs again.
    run.runOk("publish", D3, "--set", "recsys.eval.enabled=false");
    assertEquals("dt=" + D3, run.assertLatestComplete());
    String report = Files.readString(run.out().resolve("dt=" + D3 + "/report.html"));
    assertTrue(report.contains("The last 3 nights") && report.contains("id=\"trends\""), "the trend plot");
  }

  /** {@code n} events of users u1..u60 on {@code day}, each on an item the user's group knows. */
  private static void appendDay(SmallRun run, String day, int n) throws IOException {
    StringBuilder events = new StringBuilder();
    for (int e = 0; e < n; e++) {
      int user = 1 + (e * 7) % 60;
      events.append(String.format("u%d,i%d,rating,%s %02d:%02d:00,4%n", user, 1 + (user % 4) * 10 + e % 10, day,
          e % 24, e % 60));
    }
    Files.writeString(run.in().resolve("events.csv"), events, StandardOpenOption.APPEND);
  }
}
