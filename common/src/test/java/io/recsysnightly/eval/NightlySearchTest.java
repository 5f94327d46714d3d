package io.recsysnightly.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.als.TrainedParams;
import io.recsysnightly.config.ConfigKey;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.report.Progress;
import io.recsysnightly.testing.SharedSpark;
import io.recsysnightly.testing.TestInputs;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The nightly search: its trials, its choice, its budget, its determinism, and where the choice goes. */
class NightlySearchTest {
  private static SparkSession spark;
  private static Dataset<Row> train;

  @BeforeAll
  static void setUp() {
    spark = SharedSpark.get();
    Random rnd = new Random(5);
    List<Row> rows = new ArrayList<>();
    // Four taste groups over quarters of the catalogue; recent interactions of a user stay in taste.
    for (int u = 0; u < 240; u++) {
      Set<Integer> items = new LinkedHashSet<>();
      int n = 8 + rnd.nextInt(20);
      while (items.size() < n) {
        int quarter = rnd.nextDouble() < 0.85 ? u % 4 : rnd.nextInt(4);
        items.add(quarter * 25 + (int) Math.min(24, Math.abs(rnd.nextGaussian()) * 8));
      }
      int t = 0;
      for (int i : items) {
        rows.add(RowFactory.create(u, i, 1.0 + rnd.nextInt(3), new Timestamp(1_600_000_000_000L + 60_000L * t++)));
      }
    }
    StructType schema = new StructType().add("user_idx", DataTypes.IntegerType, false)
        .add("item_idx", DataTypes.IntegerType, false).add("strength", DataTypes.DoubleType, false)
        .add("last_ts", DataTypes.TimestampType, false);
    train = spark.createDataFrame(rows, schema).cache();
  }

  private static PipelineConfig config(String... more) {
    List<String> sets = new ArrayList<>(List.of("recsys.run.date=2020-09-14", "recsys.als.rank=8",
        "recsys.tune.ranks=4,8,16", "recsys.als.max-iter=5", "recsys.tune.trials=7", "recsys.als.num-blocks=2"));
    sets.addAll(List.of(more));
    return PipelineConfig.load(Optional.empty(), sets);
  }

  private static NightlySearch.Result search(PipelineConfig config, Optional<PipelineConfig> lastNight) {
    return new NightlySearch(spark, config, new Progress(spark, "test")).run(train, lastNight);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> trials(NightlySearch.Result r) {
    return (List<Map<String, Object>>) r.record().get("trials");
  }

  @Test
  void choosesTheBestTrialWithinTheBudgetAndOnlyChangesModelKeys() {
    PipelineConfig configured = config();
    NightlySearch.Result r = search(configured, Optional.empty());
    List<Map<String, Object>> trials = trials(r);
    assertEquals(7, trials.size(), "stops at recsys.tune.trials: " + r.record());
    assertEquals("trials (7)", r.record().get("stopped_by"));
    // The first trial is the configured point; the second the same point in the other regularisation form.
    assertEquals(NightlySearch.Point.of(configured).label(), r.record().get("configured"));
    assertEquals("mllib", trials.get(0).get("regularization"));
    assertEquals(0.1, (Double) trials.get(0).get("reg_param"), 1e-12);
    assertEquals("frequency", trials.get(1).get("regularization"));
    double best = trials.stream().mapToDouble(t -> (Double) t.get("ndcg@10")).max().orElseThrow();
    assertEquals(best, (Double) r.record().get("validation_ndcg@10"), 1e-4, "the choice is the best trial");
    assertTrue(best > (Double) trials.get(0).get("ndcg@10"), "the search improved on the configured point");
    Map<String, String> before = configured.asMap();
    Map<String, String> after = r.chosen().asMap();
    Set<String> model = new java.util.HashSet<>();
    for (ConfigKey<?> key : TrainedParams.KEYS) {
      model.add(key.name());
    }
    before.forEach((k, v) -> {
      if (!model.contains(k)) {
        assertEquals(v, after.get(k), k + " is not the search's to change");
      }
    });
    assertNotEquals(NightlySearch.Point.of(configured), NightlySearch.Point.of(r.chosen()));
  }

  @Test
  void sameInputsSameTrialsAndLastNightIsTriedSecond() {
    PipelineConfig lastNight = config("recsys.als.reg-param=0.01", "recsys.als.alpha=5");
    NightlySearch.Result a = search(config("recsys.tune.trials=4"), Optional.of(lastNight));
    NightlySearch.Result b = search(config("recsys.tune.trials=4"), Optional.of(lastNight));
    assertEquals(withoutTimes(trials(a)), withoutTimes(trials(b)), "same trials in the same order, same scores");
    assertEquals(a.chosen().asMap(), b.chosen().asMap());
    assertEquals(0.01, (Double) trials(a).get(1).get("reg_param"), 1e-12);
    assertEquals(5.0, (Double) trials(a).get(1).get("alpha"), 1e-12);
  }

  /**
   * Last night's point is kept unless the best beats it by more than recsys.tune.keep-margin; the search
   * itself (its trials) does not change, only the choice.
   */
  @Test
  void lastNightIsKeptUnlessBeatenByTheMargin() {
    PipelineConfig lastNight = config("recsys.als.reg-param=0.01", "recsys.als.alpha=5");
    NightlySearch.Result free = search(config("recsys.tune.trials=4", "recsys.tune.keep-margin=0"),
        Optional.of(lastNight));
    NightlySearch.Result sticky = search(config("recsys.tune.trials=4", "recsys.tune.keep-margin=10"),
        Optional.of(lastNight));
    assertEquals(withoutTimes(trials(free)), withoutTimes(trials(sticky)));
    double lastScore = (Double) trials(free).get(1).get("ndcg@10");
    double best = trials(free).stream().mapToDouble(t -> (Double) t.get("ndcg@10")).max().orElseThrow();
    assertTrue(best > lastScore, "this search finds a better point than last night's: " + trials(free));
    assertEquals(best, (Double) free.record().get("validation_ndcg@10"), 1e-12);
    assertEquals(null, free.record().get("kept_last_night"));
    assertEquals(NightlySearch.Point.of(lastNight).normalised(), NightlySearch.Point.of(sticky.chosen()).normalised());
    assertEquals(lastScore, (Double) sticky.record().get("validation_ndcg@10"), 1e-12);
    assertTrue(String.valueOf(sticky.record().get("kept_last_night")).contains("by less than recsys.tune.keep-margin"),
        sticky.record().toString());
  }

  private static List<Map<String, Object>> withoutTimes(List<Map<String, Object>> trials) {
    return trials.stream().map(t -> {
      Map<String, Object> copy = new java.util.LinkedHashMap<>(t);
      copy.remove("seconds");
      return copy;
    }).toList();
  }

  @Test
  void aTimeBudgetStopsTheSearchAndSaysSo() {
    NightlySearch.Result r = search(config("recsys.tune.budget-seconds=1", "recsys.tune.trials=50"), Optional.empty());
    assertTrue(String.valueOf(r.record().get("stopped_by")).startsWith("time budget"), r.record().toString());
    assertTrue(trials(r).size() < 50);
  }

  /** Past recsys.tune.validation-users, points are scored on a fixed sample of users; every user is still fitted. */
  @Test
  void validationUsersAreAFixedSampleWhenCapped() {
    ValidationSplit all = ValidationSplit.of(train, config());
    ValidationSplit capped = ValidationSplit.of(train, config("recsys.tune.validation-users=100"));
    ValidationSplit again = ValidationSplit.of(train, config("recsys.tune.validation-users=100"));
    long total = all.validation().select("user_idx").distinct().count();
    List<Row> sample = capped.validation().select("user_idx").distinct().orderBy("user_idx").collectAsList();
    assertEquals(240, total);
    assertTrue(sample.size() >= 60 && sample.size() <= 140, "about 100 of 240 users: " + sample.size());
    assertEquals(sample, again.validation().select("user_idx").distinct().orderBy("user_idx").collectAsList());
    assertEquals(all.fit().count(), capped.fit().count(), "the fit part keeps every user");
    all.release();
    capped.release();
    again.release();
  }

  /** What train chose is what cold-start and the manifest read back for that train date. */
  @Test
  void trainedParamsRoundTrip(@TempDir Path dir) {
    RunContext ctx = new TestInputs(dir).events("u1,i1,rating,2020-01-01 00:00:00,").context("2020-01-10");
    PipelineConfig chosen = ctx.config().with(ConfigKeys.ALS_RANK.name(), "16").with(ConfigKeys.ALS_REG.name(), "300")
        .with(ConfigKeys.ALS_REGULARIZATION.name(), "frequency").with(ConfigKeys.ALS_REG_EXPONENT.name(), "0");
    TrainedParams.write(ctx, chosen);
    PipelineConfig read = TrainedParams.apply(ctx, ctx.config(), ctx.paths().date());
    for (ConfigKey<?> key : TrainedParams.KEYS) {
      assertEquals(chosen.get(key), read.get(key), key.name());
    }
    assertEquals(ctx.config().asMap(), TrainedParams.apply(ctx, ctx.config(), ctx.paths().date().minusDays(1)).asMap(),
        "a train date without recorded parameters leaves the configuration as it is");
  }
}
