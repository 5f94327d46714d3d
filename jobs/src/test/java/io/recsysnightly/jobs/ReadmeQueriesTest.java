package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The README's analyst queries, run as written (only `out/` is pointed at the test's output root). */
class ReadmeQueriesTest {
  private static final Pattern QUERY = Pattern.compile("<!-- query: (duckdb|spark) -->\\s*```sql\\n(.*?)```",
      Pattern.DOTALL);
  private static final Pattern MERGE = Pattern.compile("<!-- query: refresh-merge -->\\s*```sql\\n(.*?)```",
      Pattern.DOTALL);

  @Test
  void everyReadmeQueryRunsInItsEngineAndAnswers() throws IOException {
    List<String[]> queries = new ArrayList<>();
    Matcher m = QUERY.matcher(Files.readString(SampleRun.REPO.resolve("README.md")));
    while (m.find()) {
      queries.add(new String[] {m.group(1), m.group(2).replace("'out/", "'" + SampleRun.output() + "/")
          .replace("`out/", "`" + SampleRun.output() + "/")});
    }
    assertEquals(4, queries.size(), "README should hold two DuckDB and two Spark SQL queries");
    for (String[] q : queries) {
      List<List<Object>> rows = q[0].equals("duckdb") ? SampleRun.duckdb(q[1]) : spark(q[1]);
      assertTrue(rows.size() > 1, "no rows from " + q[1]);
      if (q[1].contains("user_id = 'u1'")) {
        assertEquals(20, rows.size());
        for (int i = 0; i < rows.size(); i++) {
          assertEquals(i + 1, ((Number) rows.get(i).get(0)).intValue(), "ranks in order");
        }
      }
    }
  }

  /**
   * The README's loader merge of a publication and its current refresh delta, pointed at
   * {@code publication} and {@code delta} instead of the example paths it is written with.
   */
  static String refreshMergeQuery(java.nio.file.Path publication, java.nio.file.Path delta) throws IOException {
    Matcher m = MERGE.matcher(Files.readString(SampleRun.REPO.resolve("README.md")));
    assertTrue(m.find(), "README has no <!-- query: refresh-merge --> block");
    return m.group(1).replace("'out/refresh/dt=2018-09-25/delta=1/", "'" + delta + "/")
        .replace("'out/dt=2018-09-25/", "'" + publication + "/");
  }

  private static List<List<Object>> spark(String sql) {
    List<List<Object>> rows = new ArrayList<>();
    for (Row r : SharedSpark.get().sql(sql).collectAsList()) {
      List<Object> row = new ArrayList<>();
      for (int i = 0; i < r.length(); i++) {
        row.add(r.get(i));
      }
      rows.add(row);
    }
    return rows;
  }
}
