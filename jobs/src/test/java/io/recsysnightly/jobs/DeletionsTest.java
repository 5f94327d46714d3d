package io.recsysnightly.jobs;

import static io.recsysnightly.jobs.SampleRun.duckdb;
import static io.recsysnightly.jobs.SampleRun.duckdbLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Right to be forgotten across nights: a user known on D1 who asks to be forgotten before D2 is in
 * no output of the D2 run (every Parquet string column and every text file, published and
 * intermediate, read with DuckDB and as text), and their id-map index is a tombstone nobody reuses.
 */
class DeletionsTest {
  private static final List<String> FORGOTTEN = List.of("u5", "u17", "u42");

  @Test
  void forgottenUsersAreInNoOutputOfTheRunAndTheirIndexIsNeverReused(@TempDir Path dir) throws IOException {
    SmallRun run = new SmallRun(dir);
    run.runOk("nightly", SmallRun.D1);
    Path users = run.out().resolve("_work/state/id_maps/users");
    String before = "read_parquet('" + users.resolve("dt=" + SmallRun.D1) + "/*.parquet', hive_partitioning = false)";
    String inList = "('" + String.join("', '", FORGOTTEN) + "')";
    assertEquals(FORGOTTEN.size(), duckdbLong("SELECT count(*) FROM " + before + " WHERE id IN " + inList));

    // Before D2: the deletions land, and a new user appears who must not inherit a forgotten index.
    Files.writeString(run.in().resolve("deletions.csv"), "user_id\n" + String.join("\n", FORGOTTEN) + "\nnever-seen\n");
    Files.writeString(run.in().resolve("events.csv"), "newcomer,i1,rating,2024-03-02 09:00:00,5\n"
        + "newcomer,i2,rating,2024-03-02 09:05:00,4\n", java.nio.file.StandardOpenOption.APPEND);
    assertEquals(0, run.run("nightly", SmallRun.D2, "--set", "recsys.input.deletions=deletions.csv"));
    String published = run.assertLatestComplete();

    List<Path> outputsOfD2 = List.of(run.out().resolve(published), run.out().resolve("_work/dt=" + SmallRun.D2),
        users.resolve("dt=" + SmallRun.D2), run.out().resolve("_work/state/id_maps/items/dt=" + SmallRun.D2));
    int datasets = 0;
    int textFiles = 0;
    for (Path root : outputsOfD2) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(root)) {
        files = walk.filter(Files::isRegularFile).toList();
      }
      for (Path dataset : files.stream().filter(p -> p.toString().endsWith(".parquet")).map(Path::getParent)
          .distinct().toList()) {
        datasets++;
        String source = "read_parquet('" + dataset + "/*.parquet', hive_partitioning = false)";
        for (List<Object> column : duckdb("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + source
            + ")")) {
          if (column.get(1).toString().contains("VARCHAR")) {
            // Lists of structs (recs, similar) included: their text form holds every nested string.
            assertEquals(0, duckdbLong("SELECT count(*) FROM " + source + " WHERE list_has_any(regexp_extract_all("
                + "CAST(\"" + column.get(0) + "\" AS VARCHAR), '[A-Za-z0-9_-]+'), " + inList.replace("(", "[")
                .replace(")", "]") + ")"), "a forgotten user in " + dataset + " column " + column.get(0));
          }
        }
      }
      for (Path text : files.stream().filter(p -> p.toString().endsWith(".json") || p.getFileName().toString()
          .equals("LATEST")).toList()) {
        textFiles++;
        String content = Files.readString(text);
        FORGOTTEN.forEach(id -> assertFalse(content.contains("\"" + id + "\""), id + " in " + text));
      }
    }
    assertTrue(datasets >= 15 && textFiles >= 5, datasets + " datasets, " + textFiles + " text files scanned");

    // Tombstones: each forgotten user's index is still taken, by a row without id, in the D2 map.
    String after = "read_parquet('" + users.resolve("dt=" + SmallRun.D2) + "/*.parquet', hive_partitioning = false)";
    assertEquals(FORGOTTEN.size(), duckdbLong("SELECT count(*) FROM " + after + " a JOIN " + before
        + " b ON a.idx = b.idx WHERE b.id IN " + inList + " AND a.id IS NULL"), "tombstones in the D2 id map");
    assertEquals(0, duckdbLong("SELECT count(*) FROM (SELECT idx FROM " + after + " GROUP BY idx HAVING count(*) > 1)"));
    assertEquals(1, duckdbLong("SELECT count(*) FROM " + after + " WHERE id = 'newcomer' AND idx > (SELECT max(idx) "
        + "FROM " + before + ")"), "a new user gets a new index, not a forgotten one");
  }
}
