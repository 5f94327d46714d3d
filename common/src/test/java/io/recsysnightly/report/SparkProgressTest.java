package io.recsysnightly.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.als.TrainAls;
import io.recsysnightly.testing.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Progress of work inside Spark, counted by a listener: ALS iterations and rows written. */
class SparkProgressTest {
  private final SparkSession spark = SharedSpark.get();

  /** The ALS stage-name rule counts exactly two stages per iteration, so the last line is "n of n". */
  @Test
  void alsIterationsAreCountedExactly(@TempDir Path dir) {
    spark.sparkContext().setCheckpointDir(dir.resolve("checkpoints").toString());
    Random random = new Random(7);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      rows.add(RowFactory.create(random.nextInt(100), random.nextInt(150), 1f));
    }
    Dataset<Row> data = spark.createDataFrame(rows,
        new StructType().add("user_idx", "int").add("item_idx", "int").add("rating", "float"));
    // 8 iterations with a checkpoint every 3: the lineage cut must not disturb the count.
    ALS als = new ALS().setImplicitPrefs(true).setRank(4).setMaxIter(8).setCheckpointInterval(3).setSeed(1)
        .setUserCol("user_idx").setItemCol("item_idx").setRatingCol("rating");
    String out = printed(() -> TrainAls.fit(als, data, new Progress(spark, "train"), "fitting ALS"));
    List<String> lines = out.lines().filter(l -> l.contains("[train] fitting ALS")).toList();
    String last = lines.get(lines.size() - 1);
    assertTrue(last.contains("fitting ALS: 16/16 (iteration 8 of 8)") && last.contains("ETA 0 s"), out);
    assertTrue(lines.get(0).contains("fitting ALS: 0/16"), out);
  }

  @Test
  void rowsWrittenAreCountedWithRateAndEta(@TempDir Path dir) {
    Dataset<Row> data = spark.range(0, 10_000, 1, 8).toDF();
    Progress progress = new Progress(spark, "candidates");
    Progress.Watch[] watch = new Progress.Watch[1];
    String out = printed(() -> {
      watch[0] = progress.watch("scoring users", 10_000, Progress.Units.rowsWritten(), done -> done + " rows", 0);
      try (Progress.Watch running = watch[0]) {
        data.write().parquet(dir.resolve("out").toString());
      }
    });
    assertEquals(10_000, watch[0].done(), out);
    // Printed after every task (every = 0): one line per partition after the "0/10000" line.
    List<String> lines = out.lines().filter(l -> l.contains("[candidates] scoring users")).toList();
    assertEquals(9, lines.size(), out);
    assertTrue(lines.get(8).matches(".*scoring users: 10000/10000 \\(10000 rows\\), \\S+/s, \\d+ s elapsed, ETA 0 s"),
        out);
  }

  private static String printed(Runnable body) {
    PrintStream original = System.out;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setOut(original);
    }
    String text = buffer.toString(StandardCharsets.UTF_8);
    original.print(text);
    return text;
  }
}
