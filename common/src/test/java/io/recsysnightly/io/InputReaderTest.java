package io.recsysnightly.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.RecsysException;
import io.recsysnightly.matrix.BuildMatrix;
import io.recsysnightly.testing.SharedSpark;
import io.recsysnightly.testing.TestInputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs in every accepted format, and clear exit-3 failures for files that are not what they claim. */
class InputReaderTest {

  @Test
  void missingColumnNamesTheFileAndTheColumn(@TempDir Path dir) {
    TestInputs in = new TestInputs(dir).file("recsys.input.events", "events.csv", "user_id,item_id,event_ts",
        "u1,m1,2020-01-01 00:00:00");
    RecsysException e = assertThrows(RecsysException.class, () -> new BuildMatrix(in.context("2020-01-02")).execute());
    assertEquals(3, e.exitCode());
    assertTrue(e.getMessage().contains("events.csv"), e.getMessage());
    assertTrue(e.getMessage().contains("'event_type'"), e.getMessage());
  }

  @Test
  void parquetContentUnderACsvNameIsRefused(@TempDir Path dir) throws IOException {
    Path parquetDir = dir.resolve("p");
    SharedSpark.get().range(3).write().parquet(parquetDir.toString());
    Path part = Files.list(parquetDir).filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    TestInputs in = new TestInputs(dir);
    Files.createDirectories(dir.resolve("in"));
    Files.copy(part, dir.resolve("in/events.csv"));
    in.set("recsys.input.events", "events.csv");
    RecsysException e = assertThrows(RecsysException.class, () -> new BuildMatrix(in.context("2020-01-02")).execute());
    assertEquals(3, e.exitCode());
    assertTrue(e.getMessage().contains("is a Parquet file but was declared csv"), e.getMessage());
  }

  @Test
  void textDeclaredParquetIsRefused(@TempDir Path dir) {
    TestInputs in = new TestInputs(dir).file("recsys.input.events", "events.parquet",
        "user_id,item_id,event_type,event_ts,value", "u1,m1,rating,2020-01-01 00:00:00,1");
    RecsysException e = assertThrows(RecsysException.class, () -> new BuildMatrix(in.context("2020-01-02")).execute());
    assertEquals(3, e.exitCode());
    assertTrue(e.getMessage().contains("events.parquet") && e.getMessage().contains("not readable as parquet"),
        e.getMessage());
  }

  @Test
  void missingFileSaysWhichKeyToFix(@TempDir Path dir) {
    TestInputs in = new TestInputs(dir).set("recsys.input.events", "nope.csv");
    RecsysException e = assertThrows(RecsysException.class, () -> new BuildMatrix(in.context("2020-01-02")).execute());
    assertEquals(3, e.exitCode());
    assertTrue(e.getMessage().contains("nope.csv") && e.getMessage().contains("recsys.input.events"), e.getMessage());
  }

  @Test
  void parquetAndJsonInputsGiveTheSameMatrixAsCsv(@TempDir Path dir) throws IOException {
    StructType schema = new StructType().add("user_id", DataTypes.StringType).add("item_id", DataTypes.StringType)
        .add("event_type", DataTypes.StringType).add("event_ts", DataTypes.TimestampType)
        .add("value", DataTypes.DoubleType);
    List<Row> rows = List.of(
        RowFactory.create("u1", "m1", "rating", java.sql.Timestamp.valueOf("2020-01-01 00:00:00"), 4.0),
        RowFactory.create("u2", "m1", "tag", java.sql.Timestamp.valueOf("2020-01-01 00:00:00"), null));
    Path inDir = dir.resolve("in");
    SharedSpark.get().createDataFrame(rows, schema).write().parquet(inDir.resolve("events.parquet").toString());
    Files.writeString(inDir.resolve("events.jsonl"),
        "{\"user_id\":\"u1\",\"item_id\":\"m1\",\"event_type\":\"rating\",\"event_ts\":\"2020-01-01T00:00:00Z\","
            + "\"value\":4}\n{\"user_id\":\"u2\",\"item_id\":\"m1\",\"event_type\":\"tag\",\"event_ts\":1577836800}\n");
    for (String file : List.of("events.parquet", "events.jsonl")) {
      TestInputs in = new TestInputs(dir.resolve(file + "-run")).set("recsys.input.root", inDir.toString())
          .set("recsys.input.events", file);
      var report = new BuildMatrix(in.context("2020-01-02")).execute();
      assertEquals(0, report.countOf("bad rows quarantined"), file);
      assertEquals(2, report.countOf("interactions (user, item)"), file);
    }
  }

  @Test
  void typedParquetColumnsGiveTheSameReasonsAndMatrixAsText(@TempDir Path dir) {
    StructType schema = new StructType().add("user_id", DataTypes.StringType).add("item_id", DataTypes.StringType)
        .add("event_type", DataTypes.StringType).add("event_ts", DataTypes.LongType)
        .add("value", DataTypes.DoubleType);
    List<Row> rows = List.of(
        RowFactory.create("u1", "m1", "rating", 1577836800L, 4.0),
        RowFactory.create("u1", "m1", "rating", 1577836800L, 4.0),          // an exact replay: dropped
        RowFactory.create("u2", "m1", "tag", 1577840400L, null),
        RowFactory.create("u2", "m2", "rating", 1577750400L, 2.0),
        RowFactory.create("u3", "m1", "rating", 1577836800000L, 4.0),       // milliseconds: unparseable
        RowFactory.create("u4", "m1", "rating", null, 4.0),                 // missing_timestamp
        RowFactory.create("u5", "m1", "rating", 1577836800L, -1.0),         // negative_value
        RowFactory.create("u6", "m1", "rating", 1577836800L, Double.NaN),   // non_finite_value
        RowFactory.create("u7", "m1", "rating", 32503680000L, 1.0));        // year 3000: future_timestamp
    Path inDir = dir.resolve("in");
    SharedSpark.get().createDataFrame(rows, schema).write().parquet(inDir.resolve("events.parquet").toString());
    TestInputs text = new TestInputs(dir.resolve("csv")).events(rows.stream()
        .map(r -> r.mkString(",").replace("null", "")).toArray(String[]::new));
    TestInputs typed = new TestInputs(dir.resolve("parquet")).set("recsys.input.root", inDir.toString())
        .set("recsys.input.events", "events.parquet");
    List<List<String>> badAndMatrix = new ArrayList<>();
    for (TestInputs in : List.of(text, typed)) {
      RunContext ctx = in.set("recsys.matrix.max-bad-share", "1").context("2020-01-02");
      new BuildMatrix(ctx).execute();
      for (var table : List.of(ctx.paths().badRecords(), ctx.paths().matrixAll())) {
        badAndMatrix.add(ctx.read(table).collectAsList().stream().map(Row::toString).sorted().toList());
      }
    }
    assertEquals(List.of("[u3,m1,rating,1577836800000,4.0,unparseable_timestamp]",
        "[u4,m1,rating,null,4.0,missing_timestamp]", "[u5,m1,rating,1577836800,-1.0,negative_value]",
        "[u6,m1,rating,1577836800,NaN,non_finite_value]", "[u7,m1,rating,32503680000,1.0,future_timestamp]"),
        badAndMatrix.get(2), "the Parquet input's bad records, their raw fields as text");
    assertEquals(badAndMatrix.get(0), badAndMatrix.get(2), "the same rows as CSV text are quarantined alike");
    assertEquals(3, badAndMatrix.get(3).size(), "u1-m1 once, u2-m1, u2-m2");
    assertEquals(badAndMatrix.get(1), badAndMatrix.get(3), "and give the same matrix");
  }
}
