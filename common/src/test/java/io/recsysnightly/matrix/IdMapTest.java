package io.recsysnightly.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.io.RunContext;
import io.recsysnightly.testing.TestInputs;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ids keep their index across nights, new ids are appended, forgotten users are tombstoned. */
class IdMapTest {

  @Test
  void indicesAreStableAcrossRunsAndNewIdsAreAppendedInIdOrder(@TempDir Path dir) {
    TestInputs in = new TestInputs(dir).events(
        "carol,m2,rating,2020-01-01 10:00:00,", "alice,m1,rating,2020-01-01 11:00:00,",
        "bob,m3,rating,2020-01-02 10:00:00,");
    new BuildMatrix(in.context("2020-01-02")).execute();
    Map<String, Integer> night1 = users(in.context("2020-01-02"), LocalDate.of(2020, 1, 2));
    assertEquals(Map.of("alice", 0, "bob", 1, "carol", 2), night1);

    // Night 2: bob is gone from the events (still in the map), two new users arrive.
    in.events("carol,m2,rating,2020-01-03 10:00:00,", "dave,m1,rating,2020-01-03 11:00:00,",
        "aaron,m4,rating,2020-01-03 12:00:00,");
    new BuildMatrix(in.context("2020-01-03")).execute();
    Map<String, Integer> night2 = users(in.context("2020-01-03"), LocalDate.of(2020, 1, 3));
    assertEquals(Map.of("alice", 0, "bob", 1, "carol", 2, "aaron", 3, "dave", 4), night2);
    Map<String, Integer> items = ids(in.context("2020-01-03"), "items", LocalDate.of(2020, 1, 3));
    assertEquals(Map.of("m1", 0, "m2", 1, "m3", 2, "m4", 3), items);

    // Re-running night 2 gives the same map (it extends night 1's version, not its own).
    new BuildMatrix(in.context("2020-01-03")).execute();
    assertEquals(night2, users(in.context("2020-01-03"), LocalDate.of(2020, 1, 3)));
  }

  @Test
  void forgottenUsersAreTombstonedAndTheirIndexIsNeverReused(@TempDir Path dir) {
    TestInputs in = new TestInputs(dir).events(
        "alice,m1,rating,2020-01-01 10:00:00,", "bob,m1,rating,2020-01-01 11:00:00,");
    new BuildMatrix(in.context("2020-01-01")).execute();
    in.file("recsys.input.deletions", "deletions.csv", "user_id", "bob")
        .events("alice,m1,rating,2020-01-02 10:00:00,", "bob,m2,rating,2020-01-02 11:00:00,",
            "zed,m2,rating,2020-01-02 12:00:00,");
    RunContext ctx = in.context("2020-01-02");
    new BuildMatrix(ctx).execute();
    Map<Integer, String> byIndex = new TreeMap<>();
    for (Row r : new IdMap(ctx.spark(), ctx.files(), ctx.paths().idMapRoot("users"))
        .read(LocalDate.of(2020, 1, 2)).collectAsList()) {
      byIndex.put(r.getInt(1), r.getString(0));
    }
    assertEquals(3, byIndex.size());
    assertEquals("alice", byIndex.get(0));
    assertNull(byIndex.get(1), "bob's row must be a tombstone");
    assertTrue(byIndex.containsKey(1));
    assertEquals("zed", byIndex.get(2));
    assertEquals(0, ctx.read(ctx.paths().userTable()).where("user_id = 'bob'").count());
  }

  private static Map<String, Integer> users(RunContext ctx, LocalDate date) {
    return ids(ctx, "users", date);
  }

  private static Map<String, Integer> ids(RunContext ctx, String entity, LocalDate date) {
    Map<String, Integer> out = new TreeMap<>();
    for (Row r : new IdMap(ctx.spark(), ctx.files(), ctx.paths().idMapRoot(entity)).read(date).collectAsList()) {
      out.put(r.getString(0), r.getInt(1));
    }
    return out;
  }
}
