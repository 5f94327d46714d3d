package io.recsysnightly.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.RecsysException;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The synthetic data generator: deterministic by seed, exact totals, the configured power law, the planted taste. */
class GenerateTest {

  private record Event(int user, int item, boolean rating, double value, long second) {}

  private static List<Event> events(EventGenerator g, int from, int to) {
    List<Event> out = new ArrayList<>();
    g.generate(from, to, (u, item, rating, value, second) -> out.add(new Event(u, item, rating, value, second)));
    return out;
  }

  private static GenerateSpec spec(int users, int items, long events, int categories, double exponent) {
    return new GenerateSpec(users, items, events, categories, exponent, GenerateSpec.DEFAULT_TASTE_SHARE,
        GenerateSpec.DEFAULT_DAYS, GenerateSpec.DEFAULT_END_DATE, GenerateSpec.DEFAULT_SEED, null, 0);
  }

  @Test
  void sameSeedSameEventsAnyPartitioning() {
    GenerateSpec spec = spec(300, 200, 6_000, 7, 1.0);
    List<Event> a = events(new EventGenerator(spec), 0, 300);
    List<Event> b = events(new EventGenerator(spec), 0, 300);
    assertEquals(a, b, "same spec, same events");
    // Generating in pieces (as tasks do) gives the same events in the same order.
    EventGenerator g = new EventGenerator(spec);
    List<Event> pieces = new ArrayList<>(events(g, 0, 17));
    pieces.addAll(events(g, 17, 250));
    pieces.addAll(events(g, 250, 300));
    assertEquals(a, pieces);
    List<Event> other = events(new EventGenerator(spec.withSeed(43)), 0, 300);
    assertNotEquals(a, other, "another seed, other events");
  }

  @Test
  void totalsWindowAndValuesAreAsSpecified() {
    GenerateSpec spec = spec(500, 300, 12_345, 5, 1.0).withDays(30).withEndDate(LocalDate.of(2024, 2, 29));
    EventGenerator g = new EventGenerator(spec);
    List<Event> all = events(g, 0, 500);
    assertEquals(12_345, all.size(), "exactly the requested number of events");
    long start = LocalDate.of(2024, 1, 31).atStartOfDay().toEpochSecond(ZoneOffset.UTC);
    long end = LocalDate.of(2024, 3, 1).atStartOfDay().toEpochSecond(ZoneOffset.UTC);
    int[] perUser = new int[500];
    int ratings = 0;
    for (Event e : all) {
      perUser[e.user()]++;
      assertTrue(e.second() >= start && e.second() < end, "timestamp in the window: " + e);
      assertTrue(e.item() >= 0 && e.item() < 300);
      if (e.rating()) {
        ratings++;
        assertTrue(e.value() >= 0.5 && e.value() <= 5.0, "rating value " + e.value());
      } else {
        assertTrue(Double.isNaN(e.value()), "tags have no value");
      }
    }
    for (int u = 0; u < 500; u++) {
      assertEquals(g.eventsOf(u), perUser[u]);
      assertTrue(perUser[u] >= 1, "every user has an event");
    }
    assertEquals(0.8, ratings / (double) all.size(), 0.02, "share of ratings");
  }

  /**
   * Item counts against popularity rank on a log-log scale: the least-squares slope over the 200 most
   * popular items must be the configured -s within 0.05.
   */
  @ParameterizedTest
  @ValueSource(doubles = {0.8, 1.0, 1.2})
  void popularityFollowsTheConfiguredExponent(double exponent) {
    GenerateSpec spec = spec(3_000, 2_000, 400_000, 10, exponent);
    EventGenerator g = new EventGenerator(spec);
    long[] counts = new long[spec.items()];
    g.generate(0, spec.users(), (u, item, rating, value, second) -> counts[item]++);
    int ranks = 200;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int r = 1; r <= ranks; r++) {
      double x = Math.log(r);
      double y = Math.log(Math.max(1, counts[r - 1]));
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    double slope = (ranks * sxy - sx * sy) / (ranks * sxx - sx * sx);
    assertEquals(-exponent, slope, 0.05, "log-log slope of item popularity");
  }

  @Test
  void eventsConcentrateOnEachUsersFavouriteCategories() {
    GenerateSpec spec = spec(1_000, 1_000, 100_000, 20, 1.0);
    EventGenerator g = new EventGenerator(spec);
    long[] inTaste = new long[1];
    long[] total = new long[1];
    int[][] favourites = new int[spec.users()][];
    for (int u = 0; u < spec.users(); u++) {
      favourites[u] = g.favourites(u);
    }
    g.generate(0, spec.users(), (u, item, rating, value, second) -> {
      total[0]++;
      for (int c : favourites[u]) {
        if (c == g.categoryOf(item)) {
          inTaste[0]++;
          break;
        }
      }
    });
    double share = inTaste[0] / (double) total[0];
    // 85% drawn from favourites, plus the popularity draws that happen to land in one.
    assertTrue(share > spec.tasteShare() - 0.01 && share < 0.99, "share of events in favourite categories " + share);
  }

  @Test
  void badSpecsAreUsageErrors() {
    RecsysException e = assertThrows(RecsysException.class, () -> spec(10, 5, 9, 2, 1.0));
    assertEquals(RecsysException.EXIT_USAGE, e.exitCode());
    assertTrue(e.getMessage().contains("at least the number of users"), e.getMessage());
    assertThrows(RecsysException.class, () -> spec(10, 5, 100, 6, 1.0));
    assertThrows(RecsysException.class, () -> GenerateSpec.Preset.parse("huge"));
    assertEquals(GenerateSpec.Preset.MEDIUM, GenerateSpec.Preset.parse("Medium"));
  }

  /**
   * By day: the same events as the single folder, each in the folder of its UTC date, one file a day, and
   * written twice the same files' rows in the same order.
   */
  @Test
  void byDayPutsEachEventInTheFolderOfItsDate(@TempDir Path dir) throws Exception {
    SparkSession spark = SharedSpark.get();
    GenerateSpec spec = spec(300, 100, 3_000, 5, 1.0);
    Generate generate = new Generate(spark);
    for (String name : List.of("whole", "days", "again")) {
      generate.write(spec, new org.apache.hadoop.fs.Path(dir.resolve(name).toString()), "parquet",
          !name.equals("whole"));
    }
    List<Row> whole = spark.read().parquet(dir.resolve("whole/events.parquet").toString()).collectAsList();
    Map<String, List<String>> byFolder = new java.util.TreeMap<>();
    try (var days = Files.list(dir.resolve("days/events.parquet"))) {
      for (Path day : days.filter(Files::isDirectory).toList()) {
        try (var parts = Files.list(day)) {
          List<Path> files = parts.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList();
          assertEquals(1, files.size(), day + " has one file");
          List<String> rows = new ArrayList<>();
          for (Row r : spark.read().parquet(files.get(0).toString()).collectAsList()) {
            assertEquals(day.getFileName().toString(), "day=" + java.time.Instant.ofEpochSecond(r.getLong(3))
                .atZone(java.time.ZoneOffset.UTC).toLocalDate(), "the folder of " + r);
            rows.add(r.toString());
          }
          byFolder.put(day.getFileName().toString(), rows);
          Path same = dir.resolve("again/events.parquet").resolve(day.getFileName());
          try (var again = Files.list(same)) {
            Path other = again.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            assertEquals(rows, spark.read().parquet(other.toString()).collectAsList().stream().map(Row::toString)
                .toList(), "the same spec writes the same day file " + day.getFileName());
          }
        }
      }
    }
    assertEquals(spec.days(), byFolder.size(), byFolder.keySet().toString());
    assertEquals("day=" + spec.endDate(), ((java.util.TreeMap<String, List<String>>) byFolder).lastKey());
    List<String> all = new ArrayList<>(byFolder.values().stream().flatMap(List::stream).toList());
    List<String> expected = new ArrayList<>(whole.stream().map(Row::toString).toList());
    java.util.Collections.sort(all);
    java.util.Collections.sort(expected);
    assertEquals(expected, all, "by day holds exactly the events of the single folder");
  }

  /** Through Spark: the same spec written twice gives the same rows, and the written config loads. */
  @Test
  void writesTheSameFilesTwiceAndAValidConfig(@TempDir Path dir) throws Exception {
    SparkSession spark = SharedSpark.get();
    GenerateSpec spec = spec(400, 150, 5_000, 6, 1.0);
    Generate generate = new Generate(spark);
    Map<String, Object> summary = generate.write(spec, new org.apache.hadoop.fs.Path(dir.resolve("a").toString()),
        "parquet", false);
    generate.write(spec, new org.apache.hadoop.fs.Path(dir.resolve("b").toString()), "parquet", false);
    for (String table : new String[] {"events", "items", "users", "deletions", "blocklist"}) {
      List<Row> a = spark.read().parquet(dir.resolve("a/" + table + ".parquet").toString()).collectAsList();
      List<Row> b = spark.read().parquet(dir.resolve("b/" + table + ".parquet").toString()).collectAsList();
      assertEquals(a, b, table + " differs between two runs with the same seed");
      if (table.equals("events")) {
        assertEquals(5_000, a.size());
      }
    }
    assertEquals(5_000L, ((Map<?, ?>) summary.get("rows")).get("events"));

    Path conf = dir.resolve("a/recsys.properties");
    assertTrue(Files.isRegularFile(conf));
    PipelineConfig config = PipelineConfig.load(Optional.of(conf), List.of());
    assertEquals(spec.endDate(), config.runDate());
    assertEquals("events.parquet", config.get(ConfigKeys.INPUT_EVENTS));
    // Its folders are relative to the file, so the data set can be moved or run from anywhere.
    assertEquals(dir.resolve("a").toString(), config.get(ConfigKeys.INPUT_ROOT));
    assertEquals(dir.resolve("a/out").toString(), config.get(ConfigKeys.OUTPUT_ROOT));
    assertTrue(Files.isRegularFile(dir.resolve("a/generate.json")));
  }

  @Test
  void driftingUsersFollowNewFavouritesFromTheDriftDay() {
    LocalDate driftFrom = GenerateSpec.DEFAULT_END_DATE.minusDays(2);
    GenerateSpec spec = spec(600, 400, 60_000, 12, 1.0).withDays(10).withDrift(driftFrom, 0.5);
    EventGenerator g = new EventGenerator(spec);
    long driftSecond = driftFrom.atStartOfDay().toEpochSecond(ZoneOffset.UTC);
    int drifting = 0;
    // Per period (before, after the drift day) and drifting or not: events, of which in the old favourites, in the new.
    long[][] counts = new long[4][3];
    for (Event e : events(g, 0, 600)) {
      int[] old = g.favourites(e.user());
      int[] fresh = g.driftedFavourites(e.user());
      boolean overlap = false;
      for (int c : old) {
        overlap |= contains(fresh, c);
      }
      if (overlap) {
        continue; // only users whose two sets of favourites share no category tell the two apart
      }
      int row = (e.second() >= driftSecond ? 2 : 0) + (g.drifts(e.user()) ? 1 : 0);
      counts[row][0]++;
      counts[row][1] += contains(old, g.categoryOf(e.item())) ? 1 : 0;
      counts[row][2] += contains(fresh, g.categoryOf(e.item())) ? 1 : 0;
    }
    for (int u = 0; u < 600; u++) {
      drifting += g.drifts(u) ? 1 : 0;
    }
    assertTrue(drifting > 240 && drifting < 360, "about half the users drift: " + drifting);
    for (int row = 0; row < 4; row++) {
      boolean followsNew = row == 3; // after the drift day, a drifting user
      double inOld = (double) counts[row][1] / counts[row][0];
      double inNew = (double) counts[row][2] / counts[row][0];
      assertTrue(counts[row][0] > 500, "enough events in case " + row + ": " + counts[row][0]);
      assertTrue(followsNew ? inNew > 0.8 && inOld < 0.2 : inOld > 0.8 && inNew < 0.2,
          "case " + row + ": in the old favourites " + inOld + ", in the new " + inNew);
    }
    assertThrows(RecsysException.class, () -> spec.withDrift(GenerateSpec.DEFAULT_END_DATE.plusDays(1), 0.5));
  }

  private static boolean contains(int[] values, int v) {
    for (int x : values) {
      if (x == v) {
        return true;
      }
    }
    return false;
  }
}
