package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recsysnightly.testing.LogCapture;
import io.recsysnightly.testing.SharedSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** One `nightly` run on data-samples/ per test JVM, shared by the tests that inspect its outputs. */
final class SampleRun {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final String DATE = "2018-09-25";
  private static Path output;
  private static List<String> windowWarnings;

  private SampleRun() {}

  /** The output root of the run (created on first use). */
  static synchronized Path output() {
    if (output == null) {
      try {
        Path out = Files.createTempDirectory("recsys-e2e-");
        int code;
        try (LogCapture windows = LogCapture.warningsOf("WindowExec")) {
          code = Main.run(new String[] {"nightly", "--conf", REPO.resolve("conf/recsys.properties").toString(),
              "--input", REPO.resolve("data-samples").toString(), "--output", out.toString(),
              // The report's re-ranking trade-off plot is only drawn when they are measured.
              "--set", "recsys.eval.rerank-tradeoffs=true"}, SharedSpark::get);
          windowWarnings = windows.messages();
        }
        assertEquals(0, code, "nightly on data-samples/ must succeed");
        output = out;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return output;
  }

  /** What Spark's WindowExec warned during the run (e.g. a window without partitionBy: one task for all rows). */
  static synchronized List<String> windowWarnings() {
    output();
    return windowWarnings;
  }

  static Path publication() {
    return output().resolve("dt=" + DATE);
  }

  static String parquet(String dataset) {
    return parquet(publication().resolve(dataset));
  }

  /** A DuckDB table function reading the Parquet dataset in {@code dir} (dt= in its path is not a partition). */
  static String parquet(Path dir) {
    return "read_parquet('" + dir + "/*.parquet', hive_partitioning = false)";
  }

  static String sample(String file) {
    return "read_csv('" + REPO.resolve("data-samples").resolve(file) + "', header = true, all_varchar = true)";
  }

  /** Rows of a DuckDB query, each as a list of column values (DuckDB: an independent Parquet reader). */
  static List<List<Object>> duckdb(String sql) {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      List<List<Object>> rows = new ArrayList<>();
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          row.add(rs.getObject(i));
        }
        rows.add(row);
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB failed on: " + sql, e);
    }
  }

  static long duckdbLong(String sql) {
    return ((Number) duckdb(sql).get(0).get(0)).longValue();
  }
}
