package io.recsysnightly.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.matrix.BuildMatrix;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.testing.TestInputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the train step's final fit starts: from the evaluation fit (fewer sweeps, yet an objective below
 * a cold fit with as many and within 1% of a cold fit with all of them, computed on the same matrix), or, with
 * {@code recsys.als.warm-start}, from the previous night's factors, which keeps users' vectors close. With
 * tuning off, the parameters it fits with are those derived from the training part.
 */
class TrainAlsTest {
  private static final String NIGHT1 = "2020-01-20";
  private static final String NIGHT2 = "2020-01-21";

  @Test
  void theFinalFitStartsFromTheEvaluationFitThenFromLastNight(@TempDir Path dir) {
    List<String> events = new ArrayList<>();
    Random rnd = new Random(5);
    for (int u = 0; u < 120; u++) {
      for (int e = 0; e < 14; e++) {
        int group = rnd.nextDouble() < 0.85 ? u % 4 : rnd.nextInt(4);
        events.add(String.format("u%d,i%d,rating,2020-01-%02d 10:%02d:00,", u, group * 15 + rnd.nextInt(15),
            1 + e % 18, e));
      }
    }
    TestInputs in = new TestInputs(dir).events(events.toArray(new String[0]))
        .set("recsys.tune.nightly", "false").set("recsys.als.params-from-data", "false")
        .set("recsys.als.rank", "6").set("recsys.als.max-iter", "12")
        .set("recsys.als.warm-sweeps", "4").set("recsys.als.alpha", "5").set("recsys.als.reg-param", "0.05");
    RunContext night1 = in.context(NIGHT1);
    new BuildMatrix(night1).execute();
    new TrainAls(night1).execute();
    Map<String, Object> m1 = StepReport.parseJson(night1.files().readText(night1.paths().metricsJson()));
    assertEquals("evaluation fit", m1.get("final_fit_started_from"));
    assertEquals(4, ((Number) m1.get("final_fit_sweeps")).intValue());

    // The published factors after 4 warm sweeps against a cold 12-sweep fit of the same matrix.
    Dataset<Row> all = night1.read(night1.paths().matrixAll())
        .withColumn("rating", Confidence.from(night1.config()).rating("strength"));
    AlsMatrix matrix = AlsMatrix.of(all, 2);
    NativeAls solver = new NativeAls(night1.spark(), AlsTrainer.settings(night1.config(), false));
    double published = solver.loss(matrix, night1.read(night1.paths().userFactors(night1.paths().date())),
        night1.read(night1.paths().itemFactors(night1.paths().date())));
    AlsFit cold = solver.fit(matrix, null, null, null, null);
    AlsFit coldShort = new NativeAls(night1.spark(), AlsTrainer.settings(night1.config()
        .with(ConfigKeys.ALS_MAX_ITER.name(), "4"), false)).fit(matrix, null, null, null, null);
    String figures = "published " + published + ", cold 12 sweeps " + cold.finalLoss() + ", cold 4 sweeps "
        + coldShort.finalLoss();
    assertTrue(published < coldShort.finalLoss() && published <= cold.finalLoss() * 1.01, figures);
    cold.release();
    coldShort.release();
    matrix.release();

    // Night 2: one more day of events; warm-started from night 1's factors.
    List<String> more = new ArrayList<>(events);
    for (int u = 0; u < 120; u += 3) {
      more.add(String.format("u%d,i%d,rating,2020-01-21 08:00:00,", u, (u % 4) * 15 + rnd.nextInt(15)));
    }
    in.events(more.toArray(new String[0])).set(ConfigKeys.ALS_WARM_START.name(), "true");
    RunContext night2 = in.context(NIGHT2);
    new BuildMatrix(night2).execute();
    new TrainAls(night2).execute();
    Map<String, Object> m2 = StepReport.parseJson(night2.files().readText(night2.paths().metricsJson()));
    assertEquals(NIGHT1, m2.get("final_fit_started_from"));
    assertEquals(4, ((Number) m2.get("final_fit_sweeps")).intValue());
    double[] cosines = cosines(night1.read(night1.paths().userFactors(night1.paths().date())),
        night2.read(night2.paths().userFactors(night2.paths().date())));
    assertTrue(cosines[cosines.length / 2] > 0.95, "median cosine " + cosines[cosines.length / 2]);
  }

  @Test
  void withTuningOffTheParametersAreDerivedFromTheTrainingPart(@TempDir Path dir) {
    List<String> events = new ArrayList<>();
    Random rnd = new Random(9);
    for (int u = 0; u < 50; u++) {
      for (int e = 0; e < 8; e++) {
        events.add(String.format("u%d,i%d,%s,2020-01-%02d 10:%02d:00,", u, rnd.nextInt(200),
            e % 3 == 0 ? "tag" : "rating", 1 + e, e));
      }
    }
    TestInputs in = new TestInputs(dir).events(events.toArray(new String[0]))
        .set("recsys.tune.nightly", "false").set("recsys.eval.enabled", "false")
        .set("recsys.als.rank", "4").set("recsys.als.max-iter", "3");
    RunContext ctx = in.context(NIGHT1);
    new BuildMatrix(ctx).execute();
    new TrainAls(ctx).execute();

    // The rules recomputed here from the training part's rows.
    Set<Integer> users = new HashSet<>();
    Set<Integer> items = new HashSet<>();
    double sum = 0;
    List<Row> rows = ctx.read(ctx.paths().matrixTrain()).collectAsList();
    for (Row r : rows) {
      users.add(r.<Integer>getAs("user_idx"));
      items.add(r.<Integer>getAs("item_idx"));
      sum += r.<Double>getAs("strength");
    }
    double density = rows.size() / ((double) users.size() * items.size());
    double alpha = Math.min(100, Math.max(0, (0.05 / density - 1) / (sum / rows.size())));
    double lambda = (rows.size() + alpha * sum) / (users.size() + items.size());

    Map<String, Object> metrics = StepReport.parseJson(ctx.files().readText(ctx.paths().metricsJson()));
    @SuppressWarnings("unchecked")
    Map<String, Object> params = (Map<String, Object>) metrics.get("params");
    assertEquals(alpha, ((Number) params.get("alpha")).doubleValue(), alpha * 0.01, params.toString());
    assertTrue(alpha > 0.1, "this data is sparser than the share the rule aims at, so alpha is positive: " + alpha);
    assertEquals(lambda, ((Number) params.get("reg_param")).doubleValue(), lambda * 0.01, params.toString());
    assertEquals("frequency", params.get("regularization"));
    assertEquals(0.0, ((Number) params.get("reg_exponent")).doubleValue());
    // What cold-start and refresh solve with later: the same parameters, recorded beside the factors.
    var trained = TrainedParams.apply(ctx, ctx.config(), ctx.paths().date());
    assertEquals(((Number) params.get("alpha")).doubleValue(), trained.get(ConfigKeys.ALS_ALPHA));
    assertEquals(((Number) params.get("reg_param")).doubleValue(), trained.get(ConfigKeys.ALS_REG));
  }

  private static double[] cosines(Dataset<Row> a, Dataset<Row> b) {
    Map<Integer, List<Float>> first = new HashMap<>();
    a.collectAsList().forEach(r -> first.put(r.getInt(0), r.getList(1)));
    List<Double> out = new ArrayList<>();
    for (Row r : b.collectAsList()) {
      List<Float> x = first.get(r.getInt(0));
      List<Float> y = r.getList(1);
      if (x != null) {
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int f = 0; f < x.size(); f++) {
          dot += x.get(f) * y.get(f);
          nx += x.get(f) * x.get(f);
          ny += y.get(f) * y.get(f);
        }
        out.add(dot / Math.sqrt(nx * ny));
      }
    }
    double[] sorted = out.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    return sorted;
  }
}
