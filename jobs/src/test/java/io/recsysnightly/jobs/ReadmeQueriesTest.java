package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The analyst queries of the README and of docs/*.md, run as written (only `out/` is pointed at the test's
 * output root). The README keeps one DuckDB and one Spark SQL query; the others live in the docs.
 */
class ReadmeQueriesTest {
  /** Tagged duckdb and spark queries in README.md and docs/*.md together: a moved query must not vanish. */
  private static final int QUERIES_IN_ALL = 4;
  /** The file holding the loader's merge of a publication and its refresh delta (refresh-merge). */
  private static final String REFRESH_DOC = "docs/refresh.md";

  private static final Pattern QUERY = Pattern.compile("<!-- query: (duckdb|spark) -->\\s*```sql\\n(.*?)```",
      Pattern.DOTALL);
  private static final Pattern MERGE = Pattern.compile("<!-- query: refresh-merge -->\\s*```sql\\n(.*?)```",
      Pattern.DOTALL);

  @Test
  void everyQueryOfTheReadmeAndDocsRunsInItsEngineAndAnswers() throws IOException {
    List<String[]> readme = queries(SampleRun.REPO.resolve("README.md"));
    assertEquals(1, readme.stream().filter(q -> q[0].equals("duckdb")).count(),
        "README should hold one DuckDB query");
    assertEquals(1, readme.stream().filter(q -> q[0].equals("spark")).count(),
        "README should hold one Spark SQL query");
    List<String[]> queries = new ArrayList<>(readme);
    for (Path doc : docs()) {
      queries.addAll(queries(doc));
    }
    assertEquals(QUERIES_IN_ALL, queries.size(), "README.md and docs/*.md should hold " + QUERIES_IN_ALL
        + " tagged queries in all; a query moved between files must not disappear");
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
   * The loader merge of a publication and its current refresh delta in docs/refresh.md, pointed at
   * {@code publication} and {@code delta} instead of the example paths it is written with.
   */
  static String refreshMergeQuery(Path publication, Path delta) throws IOException {
    Matcher m = MERGE.matcher(Files.readString(SampleRun.REPO.resolve(REFRESH_DOC)));
    assertTrue(m.find(), REFRESH_DOC + " has no <!-- query: refresh-merge --> block");
    return m.group(1).replace("'out/refresh/dt=2018-09-25/delta=1/", "'" + delta + "/")
        .replace("'out/dt=2018-09-25/", "'" + publication + "/");
  }

  /** The tagged queries of one markdown file as {engine, SQL pointed at the test's output}, in file order. */
  private static List<String[]> queries(Path file) throws IOException {
    List<String[]> queries = new ArrayList<>();
    Matcher m = QUERY.matcher(Files.readString(file));
    while (m.find()) {
      queries.add(new String[] {m.group(1), m.group(2).replace("'out/", "'" + SampleRun.output() + "/")
          .replace("`out/", "`" + SampleRun.output() + "/")});
    }
    return queries;
  }

  /** docs/*.md, sorted by name. */
  private static List<Path> docs() throws IOException {
    try (Stream<Path> files = Files.list(SampleRun.REPO.resolve("docs"))) {
      return files.filter(f -> f.getFileName().toString().endsWith(".md")).sorted().toList();
    }
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
