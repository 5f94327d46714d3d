package io.recsysnightly.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.io.RunContext;
import io.recsysnightly.matrix.BuildMatrix;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.testing.ForwardTruth;
import io.recsysnightly.testing.TestInputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forward check on a publication written by hand (DuckDB writes its Parquet) and the next day's
 * matrix built from events, against metrics computed by hand and by a DuckDB query over the same files.
 */
class ForwardCheckTest {
  private static final String PUBLISHED = "2024-03-01";
  private static final String TODAY = "2024-03-02";
  private static final int K = 2;

  @TempDir
  static Path dir;
  private static TestInputs inputs;

  @BeforeAll
  static void buildTodaysMatrix() {
    // u1..u4 and u6 had lists; u5 is new today. u1 re-uses i1 today (seen before: not relevant); u4 has
    // nothing new; u6's event of tomorrow is outside the run.
    inputs = new TestInputs(dir).events(
        "u1,i1,view,2024-02-20 10:00:00,", "u1,i2,view,2024-02-25 10:00:00,",
        "u1,i5,view,2024-03-02 09:00:00,", "u1,i4,view,2024-03-02 11:00:00,", "u1,i1,view,2024-03-02 12:00:00,",
        "u2,i3,view,2024-02-27 10:00:00,", "u2,i6,view,2024-03-02 08:00:00,",
        "u3,i2,view,2024-03-02 10:00:00,",
        "u4,i2,view,2024-02-26 10:00:00,",
        "u5,i1,view,2024-03-02 10:00:00,",
        "u6,i4,view,2024-02-28 10:00:00,", "u6,i6,view,2024-03-03 10:00:00,")
        .set("recsys.matrix.event-weights", "view:1");
    new BuildMatrix(inputs.context(TODAY)).execute();
  }

  @Test
  void scoresTheServedListsAndTheStarterListOnNewItems() throws Exception {
    Path out = dir.resolve("out");
    Path publication = out.resolve("dt=" + PUBLISHED);
    Files.createDirectories(publication.resolve("recommendations"));
    Files.createDirectories(publication.resolve("segment_recommendations"));
    duckdb("COPY (SELECT * FROM (VALUES "
        + "('u1', [" + rec("i5", 1) + ", " + rec("i3", 2) + ", " + rec("i6", 3) + "], 'als'), "
        + "('u2', [" + rec("i1", 1) + ", " + rec("i2", 2) + ", " + rec("i4", 3) + "], 'fold_in'), "
        + "('u3', [" + rec("i1", 1) + ", " + rec("i2", 2) + ", " + rec("i3", 3) + "], 'segment_mean'), "
        + "('u4', [" + rec("i1", 1) + ", " + rec("i3", 2) + ", " + rec("i4", 3) + "], 'als'), "
        + "('u6', [" + rec("i1", 1) + ", " + rec("i2", 2) + ", " + rec("i3", 3) + "], 'als')"
        + ") t(user_id, recs, source)) TO '" + publication.resolve("recommendations/part-0.parquet")
        + "' (FORMAT parquet)");
    duckdb("COPY (SELECT '__all__' AS segment, [" + rec("i1", 1) + ", " + rec("i2", 2) + ", " + rec("i3", 3) + ", "
        + rec("i4", 4) + ", " + rec("i5", 5) + "] AS recs UNION ALL SELECT 's1', [" + rec("i6", 1) + "]) TO '"
        + publication.resolve("segment_recommendations/part-0.parquet") + "' (FORMAT parquet)");
    Files.writeString(publication.resolve("manifest.json"), "{\"run_date\": \"" + PUBLISHED + "\"}");
    Files.writeString(publication.resolve("_SUCCESS"), "");
    Files.writeString(out.resolve("LATEST"), "dt=" + PUBLISHED + "\n");

    Map<String, Object> forward = check(inputs.context(TODAY));

    assertEquals(true, forward.get("checked"), String.valueOf(forward));
    assertEquals("dt=" + PUBLISHED, forward.get("publication"));
    assertEquals(TODAY, forward.get("since"));
    assertEquals(5L, forward.get("users_with_list"));
    assertEquals(3L, forward.get("users_active"), "u1, u2 and u3 have a list and a new item");
    assertEquals(4L, forward.get("new_pairs"), "u1: i5, i4 (i1 was seen before); u2: i6; u3: i2");
    // By hand. u1's top 2 (i5, i3) against {i5, i4}: a hit at 1, NDCG 1/(1 + 1/log2 3); u2's (i1, i2)
    // against {i6}: nothing. u3 (a segment mean) hits i2 at 2: NDCG 1/log2 3. The __all__ list without each
    // user's earlier items: u1 (i3, i4) hits i4 at 2; u2 (i1, i2) nothing; u3 (i1, i2) hits i2 at 2.
    double atTwo = 1 / log2(3);
    assertGroup(forward, "personal", "published", 2, 0.5, 0.25, (1 / (1 + atTwo)) / 2);
    assertGroup(forward, "personal", "starter_all", 2, 0.5, 0.25, (atTwo / (1 + atTwo)) / 2);
    assertGroup(forward, "starter", "published", 1, 1, 1, atTwo);
    assertGroup(forward, "starter", "starter_all", 1, 1, 1, atTwo);

    // The same from the files alone, by DuckDB: the events CSV and the publication's Parquet.
    for (String group : new String[] {"personal", "starter"}) {
      for (String list : new String[] {"published", "starter_all"}) {
        double[] expected = ForwardTruth.metrics(publication, "read_csv_auto('" + dir.resolve("in/events.csv") + "')",
            LocalDate.parse(TODAY), LocalDate.parse(TODAY), K, group.equals("personal"), list.equals("starter_all"));
        assertEquals((long) expected[3], ((Map<?, ?>) forward.get(group)).get("users"), group + " users");
        Map<?, ?> m = (Map<?, ?>) ((Map<?, ?>) forward.get(group)).get(list);
        assertEquals(expected[0], (Double) m.get("hit_rate@" + K), 1e-9, group + " " + list + " hit rate");
        assertEquals(expected[1], (Double) m.get("recall@" + K), 1e-9, group + " " + list + " recall");
        assertEquals(expected[2], (Double) m.get("ndcg@" + K), 1e-9, group + " " + list + " ndcg");
      }
    }
  }

  /**
   * An A/B publication: every variant has a list for every user, and each user was served the one of the
   * variant {@code assignments} names. Variant b serves u1 the list the test above serves; variant a's list
   * for u1 would hit nothing. The baseline is the first variant's __all__ list (a's, as above); b's would
   * put i6 first. So the served metrics are the ones above.
   */
  @Test
  void scoresEachUserOnTheVariantThatServedThem() throws Exception {
    Path out = dir.resolve("out");
    Path publication = out.resolve("dt=" + PUBLISHED + "_2");
    String lists = "('u2', [" + rec("i1", 1) + ", " + rec("i2", 2) + ", " + rec("i4", 3) + "], 'fold_in'), "
        + "('u3', [" + rec("i1", 1) + ", " + rec("i2", 2) + ", " + rec("i3", 3) + "], 'segment_mean'), "
        + "('u4', [" + rec("i1", 1) + ", " + rec("i3", 2) + ", " + rec("i4", 3) + "], 'als'), "
        + "('u6', [" + rec("i1", 1) + ", " + rec("i2", 2) + ", " + rec("i3", 3) + "], 'als')";
    String u1InA = "('u1', [" + rec("i3", 1) + ", " + rec("i6", 2) + "], 'als'), ";
    String u1InB = "('u1', [" + rec("i5", 1) + ", " + rec("i3", 2) + ", " + rec("i6", 3) + "], 'als'), ";
    for (String variant : new String[] {"a", "b"}) {
      Path recs = publication.resolve("recommendations/variant=" + variant);
      Path segments = publication.resolve("segment_recommendations/variant=" + variant);
      Files.createDirectories(recs);
      Files.createDirectories(segments);
      duckdb("COPY (SELECT * FROM (VALUES " + (variant.equals("a") ? u1InA : u1InB) + lists
          + ") t(user_id, recs, source)) TO '" + recs.resolve("part-0.parquet") + "' (FORMAT parquet)");
      String all = variant.equals("a") ? rec("i1", 1) + ", " + rec("i2", 2) + ", " + rec("i3", 3) + ", "
          + rec("i4", 4) + ", " + rec("i5", 5) : rec("i6", 1) + ", " + rec("i4", 2) + ", " + rec("i2", 3);
      duckdb("COPY (SELECT '__all__' AS segment, [" + all + "] AS recs) TO '" + segments.resolve("part-0.parquet")
          + "' (FORMAT parquet)");
    }
    Files.createDirectories(publication.resolve("assignments"));
    duckdb("COPY (SELECT * FROM (VALUES ('u1', 'b'), ('u2', 'a'), ('u3', 'a'), ('u4', 'a'), ('u6', 'a')) "
        + "t(user_id, variant)) TO '" + publication.resolve("assignments/part-0.parquet") + "' (FORMAT parquet)");
    Files.writeString(publication.resolve("manifest.json"), "{\"run_date\": \"" + PUBLISHED + "\"}");
    Files.writeString(publication.resolve("_SUCCESS"), "");
    Files.writeString(out.resolve("LATEST"), "dt=" + PUBLISHED + "_2\n");

    Map<String, Object> forward = check(inputs.context(TODAY));

    assertEquals(List.of(true, 5L, 3L), List.of(forward.get("checked"), forward.get("users_with_list"),
        forward.get("users_active")), String.valueOf(forward));
    double atTwo = 1 / log2(3);
    assertGroup(forward, "personal", "published", 2, 0.5, 0.25, (1 / (1 + atTwo)) / 2);
    assertGroup(forward, "personal", "starter_all", 2, 0.5, 0.25, (atTwo / (1 + atTwo)) / 2);
    assertGroup(forward, "starter", "published", 1, 1, 1, atTwo);
  }

  @Test
  void saysWhyWhenThereIsNothingToCheck() throws IOException {
    TestInputs fresh = new TestInputs(dir.resolve("fresh")).events("u1,i1,view,2024-03-01 10:00:00,")
        .set("recsys.matrix.event-weights", "view:1");
    RunContext ctx = fresh.context(PUBLISHED);
    new BuildMatrix(ctx).execute();
    Map<String, Object> forward = check(ctx);
    assertFalse((Boolean) forward.get("checked"));
    assertTrue(String.valueOf(forward.get("reason")).contains("no earlier publication"), String.valueOf(forward));

    // LATEST names a publication of this run's own date (a re-run): no day has passed since it.
    Path publication = dir.resolve("fresh/out/dt=" + PUBLISHED);
    Files.createDirectories(publication);
    Files.writeString(publication.resolve("manifest.json"), "{}");
    Files.writeString(publication.resolve("_SUCCESS"), "");
    Files.writeString(dir.resolve("fresh/out/LATEST"), "dt=" + PUBLISHED + "\n");
    forward = check(ctx);
    assertFalse((Boolean) forward.get("checked"));
    assertTrue(String.valueOf(forward.get("reason")).contains("is not older than this run's date"),
        String.valueOf(forward));
  }

  private static Map<String, Object> check(RunContext ctx) {
    StepReport report = new StepReport("train");
    return new ForwardCheck(ctx, report, ctx.progress("train"), K).execute();
  }

  private static void assertGroup(Map<String, Object> forward, String group, String list, long users, double hitRate,
      double recall, double ndcg) {
    Map<?, ?> g = (Map<?, ?>) forward.get(group);
    assertEquals(users, g.get("users"), group + " users");
    Map<?, ?> m = (Map<?, ?>) g.get(list);
    assertEquals(hitRate, (Double) m.get("hit_rate@" + K), 1e-9, group + " " + list + " hit rate");
    assertEquals(recall, (Double) m.get("recall@" + K), 1e-9, group + " " + list + " recall");
    assertEquals(ndcg, (Double) m.get("ndcg@" + K), 1e-9, group + " " + list + " ndcg");
  }

  private static void duckdb(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static String rec(String item, int rank) {
    return "{'item_id': '" + item + "', 'score': " + (10 - rank) + "::FLOAT, 'rank': " + rank + ", 'reason': 'r'}";
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
