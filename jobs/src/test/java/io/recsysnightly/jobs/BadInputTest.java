package io.recsysnightly.jobs;

import static io.recsysnightly.jobs.SampleRun.duckdb;
import static io.recsysnightly.jobs.SampleRun.duckdbLong;
import static io.recsysnightly.jobs.SampleRun.parquet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.report.StepReport;
import io.recsysnightly.testing.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corpus of malformed inputs under src/test/resources/bad-inputs, one folder per case with a
 * case.properties saying what must happen: either the bad rows are quarantined in bad_records with
 * their reason and the run goes on without them, or the run stops with exit 3 and a message naming
 * the file and the column, and nothing is published.
 */
class BadInputTest {
  private static final Path CORPUS = Path.of("src/test/resources/bad-inputs");
  private static final String DATE = "2024-03-01";

  static Stream<String> cases() throws IOException {
    try (Stream<Path> dirs = Files.list(CORPUS)) {
      return dirs.map(p -> p.getFileName().toString()).sorted().toList().stream();
    }
  }

  @Test
  void theCorpusHasAtLeastTwentyCases() throws IOException {
    assertTrue(cases().count() >= 20, "only " + cases().count() + " cases");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachMalformedInputIsQuarantinedOrStopsWithExit3(String name, @TempDir Path tmp) throws IOException {
    Path in = CORPUS.resolve(name).toAbsolutePath();
    Properties expect = new Properties();
    try (Reader r = Files.newBufferedReader(in.resolve("case.properties"), StandardCharsets.UTF_8)) {
      expect.load(r);
    }
    Path out = tmp.resolve("out");
    List<String> args = new ArrayList<>(List.of("build-matrix", "--date", DATE, "--input", in.toString(), "--output",
        out.toString()));
    for (String[] input : new String[][] {{"items", "items.csv"}, {"users", "users.csv"}, {"deletions",
        "deletions.csv"}, {"blocklist", "blocklist.csv"}}) {
      args.addAll(List.of("--set", "recsys.input." + input[0] + "=" + (Files.exists(in.resolve(input[1])) ? input[1]
          : "")));
    }
    for (String set : expect.getProperty("set", "").split(";")) {
      if (!set.isBlank()) {
        args.addAll(List.of("--set", set));
      }
    }
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run(args.toArray(String[]::new), SharedSpark::get);
    } finally {
      System.setErr(original);
    }
    String message = err.toString(StandardCharsets.UTF_8);
    assertFalse(Files.exists(out.resolve("LATEST")), "nothing may be published");
    if (expect.getProperty("expect").equals("exit3")) {
      assertEquals(3, code, message);
      for (String part : expect.getProperty("message").split("\\|")) {
        assertTrue(message.contains(part), "the message should contain " + part + ":\n" + message);
      }
      return;
    }
    assertEquals(0, code, message);
    Path run = out.resolve("_work/dt=" + DATE);
    Map<String, Long> reasons = new LinkedHashMap<>();
    for (List<Object> row : duckdb("SELECT reason, count(*) FROM " + parquet(run.resolve("bad_records"))
        + " GROUP BY reason ORDER BY reason")) {
      reasons.put((String) row.get(0), ((Number) row.get(1)).longValue());
    }
    assertEquals(parse(expect.getProperty("reasons", ""), ","), reasons, "bad_records by reason");
    String users = parquet(run.resolve("entities/users"));
    for (String id : split(expect.getProperty("present", ""))) {
      assertEquals(1, duckdbLong("SELECT count(*) FROM " + users + " WHERE user_id = '" + id.replace("'", "''") + "'"),
          "the valid id " + id + " should be kept verbatim");
    }
    for (String id : split(expect.getProperty("absent", ""))) {
      assertEquals(0, duckdbLong("SELECT count(*) FROM " + users + " WHERE user_id = '" + id + "'"),
          id + " must not reach the matrix");
    }
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + users + " WHERE user_id IS NULL OR trim(user_id) = ''"));
    Map<String, Object> counts = counts(run);
    parse(expect.getProperty("counts", ""), "|").forEach((key, value) ->
        assertEquals(value, ((Number) counts.get(key)).longValue(), key));
  }

  /** One user with 200,000 events: the per-user cap keeps the newest 5,000 and says so. */
  @Test
  void aPowerUserIsCappedAndReported(@TempDir Path tmp) throws IOException {
    Path in = Files.createDirectories(tmp.resolve("in"));
    StringBuilder events = new StringBuilder("user_id,item_id,event_type,event_ts,value\n");
    for (int u = 1; u <= 20; u++) {
      for (int i = 1; i <= 5; i++) {
        events.append("u").append(u).append(",i").append((u + i) % 30).append(",rating,2024-02-10 10:00:00,3\n");
      }
    }
    long base = 1_704_067_200L; // 2024-01-01T00:00:00Z
    for (int k = 0; k < 200_000; k++) {
      events.append("power,i").append(k % 30).append(",rating,").append(base + k * 10L).append(",1\n");
    }
    Files.writeString(in.resolve("events.csv"), events);
    long start = System.nanoTime();
    int code = Main.run(new String[] {"build-matrix", "--date", DATE, "--input", in.toString(), "--output",
        tmp.resolve("out").toString(), "--set", "recsys.input.items=", "--set", "recsys.input.users=", "--set",
        "recsys.input.deletions=", "--set", "recsys.input.blocklist="}, SharedSpark::get);
    double seconds = (System.nanoTime() - start) / 1e9;
    assertEquals(0, code);
    Map<String, Object> counts = counts(tmp.resolve("out/_work/dt=" + DATE));
    assertEquals(200_100L, ((Number) counts.get("event rows in")).longValue());
    assertEquals(200_000L - 5_000L, ((Number) counts.get("events over per-user cap")).longValue());
    assertEquals(5_100L, ((Number) counts.get("events used")).longValue());
    System.out.printf("power user: 200,000 events capped to 5,000 in a build-matrix of %.1f s%n", seconds);
    assertTrue(seconds < 120, "build-matrix took " + seconds + " s");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> counts(Path run) throws IOException {
    return (Map<String, Object>) StepReport.parseJson(Files.readString(run.resolve("steps/build-matrix.json")))
        .get("counts");
  }

  private static List<String> split(String list) {
    return list.isEmpty() ? List.of() : Arrays.asList(list.split("\\|"));
  }

  private static Map<String, Long> parse(String list, String separator) {
    Map<String, Long> map = new LinkedHashMap<>();
    for (String entry : list.isEmpty() ? new String[0] : list.split(java.util.regex.Pattern.quote(separator))) {
      int colon = entry.lastIndexOf(':');
      map.put(entry.substring(0, colon), Long.parseLong(entry.substring(colon + 1)));
    }
    return map;
  }
}
