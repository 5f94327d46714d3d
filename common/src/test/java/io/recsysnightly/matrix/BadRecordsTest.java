package io.recsysnightly.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.RecsysException;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.testing.TestInputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed event rows are quarantined with a reason, counted, and fail the run past the bound. */
class BadRecordsTest {
  private static final String LONG_ID = "x".repeat(EventValidator.MAX_ID_LENGTH + 1);

  @Test
  void everyKindOfMalformedRowLandsInBadRecordsWithItsReason(@TempDir Path dir) {
    TestInputs in = new TestInputs(dir).events(
        "ok1,m1,rating,2020-01-01 10:00:00,4",
        "ok2,m1,tag,2020-01-01 10:00:00,",
        ",m1,rating,2020-01-01 10:00:00,4",                // null_user_id (empty CSV field reads as null)
        "\"   \",m1,rating,2020-01-01 10:00:00,4",          // empty_user_id (whitespace only)
        "u3,,rating,2020-01-01 10:00:00,4",                 // null_item_id
        "u4,\" \",rating,2020-01-01 10:00:00,4",            // empty_item_id
        LONG_ID + ",m1,rating,2020-01-01 10:00:00,4",     // user_id_too_long
        "u6,m1,,2020-01-01 10:00:00,4",                     // missing_event_type
        "u7,m1,purchase,2020-01-01 10:00:00,4",             // unknown_event_type
        "u8,m1,rating,,4",                                  // missing_timestamp
        "u9,m1,rating,yesterday at noon,4",                 // unparseable_timestamp
        "u10,m1,rating,2999-01-01 00:00:00,4",              // future_timestamp
        "u11,m1,rating,2020-01-01 10:00:00,four",           // unparseable_value
        "u12,m1,rating,2020-01-01 10:00:00,NaN",            // non_finite_value
        "u13,m1,rating,2020-01-01 10:00:00,Infinity",       // non_finite_value
        "u14,m1,rating,2020-01-01 10:00:00,-1")             // negative_value
        .set("recsys.matrix.max-bad-share", "1");
    RunContext ctx = in.context("2020-01-10");
    var report = new BuildMatrix(ctx).execute();
    assertEquals(14, report.countOf("bad rows quarantined"));

    Map<String, String> reasonByUser = new TreeMap<>();
    for (Row r : ctx.read(ctx.paths().badRecords()).collectAsList()) {
      String user = r.isNullAt(0) ? "<null>" : r.getString(0).length() > 20 ? "<long>" : r.getString(0);
      reasonByUser.put(user, r.getString(r.fieldIndex("reason")));
    }
    Map<String, String> expected = new TreeMap<>(Map.ofEntries(
        Map.entry("<null>", "null_user_id"), Map.entry("", "empty_user_id"), Map.entry("u3", "null_item_id"),
        Map.entry("u4", "empty_item_id"), Map.entry("<long>", "user_id_too_long"),
        Map.entry("u6", "missing_event_type"), Map.entry("u7", "unknown_event_type"),
        Map.entry("u8", "missing_timestamp"), Map.entry("u9", "unparseable_timestamp"),
        Map.entry("u10", "future_timestamp"), Map.entry("u11", "unparseable_value"),
        Map.entry("u12", "non_finite_value"), Map.entry("u13", "non_finite_value"),
        Map.entry("u14", "negative_value")));
    assertEquals(expected, reasonByUser);
    assertEquals(2, ctx.read(ctx.paths().matrixAll()).count(), "the two valid rows still make the matrix");
  }

  @Test
  void tooManyBadRowsFailWithExitCode3AndSayWhere(@TempDir Path dir) {
    TestInputs in = new TestInputs(dir).events(
        "ok1,m1,rating,2020-01-01 10:00:00,4", "u2,m1,rating,not a time,4", "u3,m1,view,2020-01-01 10:00:00,")
        .set("recsys.matrix.max-bad-share", "0.5");
    RunContext ctx = in.context("2020-01-10");
    RecsysException e = assertThrows(RecsysException.class, () -> new BuildMatrix(ctx).execute());
    assertEquals(3, e.exitCode());
    assertTrue(e.getMessage().contains("2 of 3 event rows"), e.getMessage());
    assertTrue(e.getMessage().contains("recsys.matrix.max-bad-share"), e.getMessage());
    assertTrue(e.getMessage().contains("bad_records"), e.getMessage());
    assertTrue(Files.isDirectory(Path.of(ctx.paths().badRecords().toString())), "bad rows are kept for inspection");
    assertTrue(!Files.exists(Path.of(ctx.paths().matrixAll().toString())), "no matrix from bad data");
  }
}
