package io.recsysnightly.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.RecsysException;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The tuner on planted data: 4 clusters of 10 items, 60 users each drawing 8 items of their own
 * cluster (plus one stray item). Rank 1 can only rank by one global direction; rank 8 separates
 * the clusters, so the search must put rank 8 first. Only matrix/train exists: the tuner cannot
 * have looked at a holdout.
 */
class TunerTest {
  @Test
  void picksThePlantedBestAndWritesAConfigThatLoads() throws Exception {
    SparkSession spark = SharedSpark.get();
    Path work = Files.createTempDirectory("recsys-tune-");
    Path conf = work.resolve("tuned.properties");
    PipelineConfig config = PipelineConfig.load(Optional.empty(), List.of(
        "recsys.run.date=2020-01-31", "recsys.work.root=" + work, "recsys.output.root=" + work.resolve("out"),
        "recsys.tune.mode=grid", "recsys.tune.trials=2", "recsys.tune.ranks=1,8", "recsys.tune.reg-params=0.05",
        "recsys.tune.alphas=10", "recsys.tune.confidences=linear", "recsys.tune.half-lives=0",
        "recsys.als.max-iter=6", "recsys.tune.validation-fraction=0.25"));
    RunContext ctx = RunContext.of(spark, config);
    writePlantedTrain(ctx);

    new Tuner(ctx, Optional.of(conf)).execute();

    List<Row> board = ctx.read(new Tuner(ctx, Optional.empty()).leaderboardPath()).orderBy("position").collectAsList();
    assertEquals(2, board.size());
    assertEquals(8, board.get(0).getInt(board.get(0).fieldIndex("rank")));
    assertEquals(1, board.get(1).getInt(board.get(1).fieldIndex("rank")));
    double best = board.get(0).getDouble(board.get(0).fieldIndex("ndcg"));
    double worst = board.get(1).getDouble(board.get(1).fieldIndex("ndcg"));
    assertTrue(best > worst + 0.2, "planted gap: rank 8 " + best + " vs rank 1 " + worst);

    PipelineConfig loaded = PipelineConfig.load(Optional.of(conf), List.of());
    assertEquals(8, loaded.get(ConfigKeys.ALS_RANK));
    assertEquals(0.05, loaded.get(ConfigKeys.ALS_REG));
    assertEquals(config.with("recsys.als.rank", "8").with("recsys.als.reg-param", "0.05")
        .with("recsys.als.alpha", "10.0").with("recsys.matrix.half-life-days", "0.0").asMap().keySet(),
        loaded.asMap().keySet());
    assertFalse(Files.exists(Path.of(ctx.paths().matrixHoldout().toUri().getPath())));
  }

  @Test
  void gridLargerThanTheBudgetIsAConfigError() {
    PipelineConfig config = PipelineConfig.load(Optional.empty(), List.of("recsys.tune.mode=grid",
        "recsys.tune.trials=3", "recsys.tune.ranks=8,16", "recsys.tune.reg-params=0.1,1"));
    RecsysException e = assertThrows(RecsysException.class, () -> Tuner.trials(config));
    assertTrue(e.getMessage().contains("recsys.tune.trials=3"), e.getMessage());
  }

  @Test
  void randomDrawsAreDistinctAndWithinTheBudget() {
    PipelineConfig config = PipelineConfig.load(Optional.empty(), List.of("recsys.tune.mode=random",
        "recsys.tune.trials=7"));
    List<Tuner.Trial> trials = Tuner.trials(config);
    assertEquals(7, trials.size());
    assertEquals(7, trials.stream().distinct().count());
    assertEquals(trials, Tuner.trials(config), "same seed, same draws");
  }

  private static void writePlantedTrain(RunContext ctx) {
    StructType schema = new StructType().add("user_idx", DataTypes.IntegerType).add("item_idx", DataTypes.IntegerType)
        .add("strength", DataTypes.DoubleType).add("n_events", DataTypes.LongType)
        .add("last_ts", DataTypes.TimestampType);
    Random random = new Random(7);
    List<Row> rows = new ArrayList<>();
    for (int u = 0; u < 60; u++) {
      int cluster = u % 4;
      List<Integer> items = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        items.add(cluster * 10 + i);
      }
      java.util.Collections.shuffle(items, random);
      List<Integer> chosen = new ArrayList<>(items.subList(0, 8));
      chosen.add(((cluster + 1) % 4) * 10 + random.nextInt(10));
      for (int n = 0; n < chosen.size(); n++) {
        rows.add(RowFactory.create(u, chosen.get(n), 1.0, 1L, new Timestamp(1_577_836_800_000L + n * 86_400_000L)));
      }
    }
    ctx.writeAtomically(ctx.spark().createDataFrame(rows, schema), ctx.paths().matrixTrain());
  }
}
