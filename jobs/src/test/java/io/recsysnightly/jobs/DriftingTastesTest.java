package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.report.StepReport;
import io.recsysnightly.testing.ForwardTruth;
import io.recsysnightly.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nights on generated data whose users all change tastes on the last day (generate --drift-from),
 * written by day and handed to the pipeline as it would arrive, one more day each night: the forward
 * check exists from the second night on, equals DuckDB's computation from the published lists
 * and the events, and collapses on the day the tastes changed and not the day before; the model drift
 * rises that day; the input volume does not move, as nothing but taste changed.
 */
class DriftingTastesTest {
  private static final LocalDate LAST = LocalDate.of(2025, 6, 30);
  /** Small and fast: no search, no holdout evaluation (the forward check does not need it). */
  private static final List<String> SETTINGS = List.of("recsys.tune.nightly=false", "recsys.eval.enabled=false",
      "recsys.als.rank=16", "recsys.als.max-iter=8");

  @TempDir
  Path dir;

  @Test
  void theForwardCheckCollapsesOnTheDayTastesChanged() throws Exception {
    Path data = dir.resolve("data");
    assertEquals(0, Main.run(new String[] {"generate", "--users", "1500", "--items", "300", "--events", "60000",
        "--categories", "10", "--days", "15", "--end-date", LAST.toString(), "--drift-from", LAST.toString(),
        "--drift-share", "1", "--by-day", "--output", data.toString()}, SharedSpark::get));
    Path arriving = dir.resolve("arriving");
    Files.move(data.resolve("events.parquet"), arriving);
    Files.createDirectories(data.resolve("events.parquet"));
    hand(arriving, data.resolve("events.parquet"), LAST.minusDays(3));
    List<Map<?, ?>> forward = new ArrayList<>();
    List<Map<?, ?>> drift = new ArrayList<>();
    for (LocalDate night = LAST.minusDays(2); !night.isAfter(LAST); night = night.plusDays(1)) {
      hand(arriving, data.resolve("events.parquet"), night);
      List<String> args = new ArrayList<>(List.of("nightly", "--conf", data.resolve("recsys.properties").toString(),
          "--date", night.toString()));
      SETTINGS.forEach(s -> args.addAll(List.of("--set", s)));
      assertEquals(0, Main.run(args.toArray(String[]::new), SharedSpark::get), "nightly " + night);
      Map<?, ?> manifest = StepReport.parseJson(Files.readString(data.resolve("out/dt=" + night + "/manifest.json")));
      forward.add((Map<?, ?>) ((Map<?, ?>) manifest.get("metrics")).get("forward"));
      drift.add((Map<?, ?>) manifest.get("model_drift"));
      Map<?, ?> volume = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) manifest.get("steps")).get("build-matrix")).get("metrics");
      assertTrue(!String.valueOf(volume.get("input drift: volume")).contains("WARNING"), "no volume drift: " + volume);
      // The day's volume is the row count of the day's folder (DuckDB reading the generated file).
      assertEquals(SampleRun.duckdbLong("SELECT count(*) FROM read_parquet('" + data.resolve("events.parquet/day="
          + night) + "/*.parquet')"), ((Number) ((Map<?, ?>) manifest.get("input_counts")).get("events on the run "
          + "date")).longValue(), "events on " + night);
    }
    assertEquals(false, forward.get(0).get("checked"), "the first night has nothing to check");
    for (int night = 1; night <= 2; night++) {
      Map<?, ?> f = forward.get(night);
      assertEquals(true, f.get("checked"));
      LocalDate date = LAST.minusDays(2 - night);
      Path published = data.resolve("out/dt=" + date.minusDays(1));
      for (String list : List.of("published", "starter_all")) {
        double[] truth = ForwardTruth.metrics(published, "(SELECT user_id, item_id, make_timestamp(event_ts * "
            + "1000000) AS event_ts FROM read_parquet('" + data.resolve("events.parquet") + "/*/*.parquet'))", date,
            date, 10, true, list.equals("starter_all"));
        Map<?, ?> personal = (Map<?, ?>) f.get("personal");
        Map<?, ?> m = (Map<?, ?>) personal.get(list);
        assertEquals((long) truth[3], ((Number) personal.get("users")).longValue(), "users scored on " + date);
        assertTrue(truth[3] > 500, "enough users: " + truth[3]);
        assertEquals(truth[0], (Double) m.get("hit_rate@10"), 1e-9, list + " hit rate on " + date);
        assertEquals(truth[1], (Double) m.get("recall@10"), 1e-9, list + " recall on " + date);
        assertEquals(truth[2], (Double) m.get("ndcg@10"), 1e-9, list + " ndcg on " + date);
      }
    }
    double before = ndcg(forward.get(1));
    double onTheDay = ndcg(forward.get(2));
    assertTrue(onTheDay < 0.6 * before, "forward NDCG@10 the day tastes changed " + onTheDay + ", the day before "
        + before);
    // The model moves more on that day: more lists change, and users' vectors turn further (after alignment).
    double changedBefore = (Double) drift.get(1).get("top10_changed_share");
    double changedOnTheDay = (Double) drift.get(2).get("top10_changed_share");
    assertTrue(changedOnTheDay > changedBefore + 0.05, "top-10 changed " + changedOnTheDay + " against "
        + changedBefore);
    assertTrue((Double) drift.get(2).get("user_cosine_median") < (Double) drift.get(1).get("user_cosine_median"),
        drift.toString());
  }

  /** Moves the folders of the days up to {@code last} from {@code arriving} into the input's events folder. */
  private static void hand(Path arriving, Path events, LocalDate last) throws java.io.IOException {
    try (var days = Files.list(arriving)) {
      for (Path day : days.filter(d -> d.getFileName().toString().compareTo("day=" + last) <= 0).toList()) {
        Files.move(day, events.resolve(day.getFileName()));
      }
    }
  }

  private static double ndcg(Map<?, ?> forward) {
    return (Double) ((Map<?, ?>) ((Map<?, ?>) forward.get("personal")).get("published")).get("ndcg@10");
  }
}
