package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recsysnightly.testing.LogCapture;
import io.recsysnightly.testing.SharedSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One `nightly` run on data-samples/ per build, shared by the tests that only read its outputs (a test
 * that writes copies it first, {@link #copyTo}). Surefire's two test JVMs share it through
 * {@code target/sample-run-<build>}: the first to get the lock file runs it, the other waits and reads it.
 */
final class SampleRun {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final String DATE = "2018-09-25";
  /** Set by the pom to the build's start time; without it (an IDE run) each JVM runs its own. */
  private static final String BUILD = System.getProperty("recsys.test.build", "");
  private static Path output;
  private static List<String> windowWarnings;

  private SampleRun() {}

  /** The output root of the run (created on first use). */
  static synchronized Path output() {
    if (output == null) {
      try {
        if (BUILD.isEmpty()) {
          Path out = Files.createTempDirectory("recsys-e2e-");
          windowWarnings = runInto(out);
          output = out;
        } else {
          output = shared(Path.of("target").toAbsolutePath());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return output;
  }

  /**
   * The build's run under {@code target}: its warnings file, written after the run succeeded, says it is
   * complete; a run left half-done by a JVM that died is deleted and redone. Other builds' runs are removed.
   */
  private static Path shared(Path target) throws IOException {
    Files.createDirectories(target);
    String name = "sample-run-" + BUILD;
    Path out = target.resolve(name);
    Path warnings = target.resolve(name + ".warnings");
    try (FileChannel lockFile = FileChannel.open(target.resolve(name + ".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
      if (!Files.exists(warnings)) {
        try (Stream<Path> old = Files.list(target)) {
          for (Path p : old.filter(p -> p.getFileName().toString().startsWith("sample-run-")
              && !p.getFileName().toString().startsWith(name)).toList()) {
            deleteTree(p);
          }
        }
        deleteTree(out);
        List<String> found = runInto(Files.createDirectories(out));
        Files.write(warnings, found.stream().map(w -> w.replace('\n', ' ')).toList());
      }
      windowWarnings = Files.readAllLines(warnings);
    }
    return out;
  }

  /** Runs the nightly into {@code out}; what Spark's WindowExec warned meanwhile. */
  private static List<String> runInto(Path out) {
    int code;
    List<String> warnings;
    try (LogCapture windows = LogCapture.warningsOf("WindowExec")) {
      code = Main.run(new String[] {"nightly", "--conf", REPO.resolve("conf/recsys.properties").toString(),
          "--input", REPO.resolve("data-samples").toString(), "--output", out.toString(),
          // The report's re-ranking trade-off plot is only drawn when they are measured.
          "--set", "recsys.eval.rerank-tradeoffs=true"}, SharedSpark::get);
      warnings = windows.messages();
    }
    assertEquals(0, code, "nightly on data-samples/ must succeed");
    return warnings;
  }

  /** A copy of the run's output root in {@code dir}, for a test that writes into it. */
  static Path copyTo(Path dir) {
    copyTree(output(), dir);
    return dir;
  }

  static void copyTree(Path from, Path to) {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
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
