package io.recsysnightly.als;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.testing.SharedSpark;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The rules on hand-computed statistics, and the statistics Spark reads against a count in plain Java. */
class DataDerivedParamsTest {

  @Test
  void rulesOnHandComputedStatistics() {
    // 10 users x 20 items, 4 cells of mean rating 2: density 0.02, alpha = (0.05 / 0.02 - 1) / 2 = 0.75,
    // lambda = 4 * (1 + 0.75 * 2) / (10 + 20) = 1/3.
    DataDerivedParams.Stats sparse = new DataDerivedParams.Stats(10, 20, 4, 2.0);
    assertEquals(0.75, DataDerivedParams.alpha(sparse), 1e-12);
    assertEquals(1.0 / 3, DataDerivedParams.lambda(sparse, 0.75), 1e-12);
    // Half the cells observed: already past the share, alpha 0; lambda = 50 / 20.
    DataDerivedParams.Stats dense = new DataDerivedParams.Stats(10, 10, 50, 1.0);
    assertEquals(0, DataDerivedParams.alpha(dense));
    assertEquals(2.5, DataDerivedParams.lambda(dense, 0), 1e-12);
    // Very sparse: (0.05 / 1e-5 - 1) / 1 = 4999, capped.
    DataDerivedParams.Stats verySparse = new DataDerivedParams.Stats(1000, 1000, 10, 1.0);
    assertEquals(DataDerivedParams.MAX_ALPHA, DataDerivedParams.alpha(verySparse));
  }

  @Test
  void applyWritesTheUnscaledFormOrItsMllibEquivalent() {
    DataDerivedParams.Stats s = new DataDerivedParams.Stats(10, 20, 4, 2.0);
    PipelineConfig derived = DataDerivedParams.apply(PipelineConfig.defaults(), s);
    assertEquals(0.75, derived.get(ConfigKeys.ALS_ALPHA));
    assertEquals(0.333, derived.get(ConfigKeys.ALS_REG));
    assertEquals(Regularization.FREQUENCY, derived.get(ConfigKeys.ALS_REGULARIZATION));
    assertEquals(0.0, derived.get(ConfigKeys.ALS_REG_EXPONENT));
    assertEquals(1.0, derived.get(ConfigKeys.ALS_UNOBSERVED_WEIGHT));
    assertEquals(64, derived.get(ConfigKeys.ALS_RANK), "the rank stays as configured");
    // MLlib's lambda * n: an average user (0.4 cells) gets the same penalty, 1/3 / 0.4.
    PipelineConfig mllib = DataDerivedParams.apply(PipelineConfig.defaults()
        .with(ConfigKeys.ALS_SOLVER.name(), "mllib"), s);
    assertEquals(0.833, mllib.get(ConfigKeys.ALS_REG));
    assertEquals(Regularization.MLLIB, mllib.get(ConfigKeys.ALS_REGULARIZATION));
  }

  @Test
  void statisticsMatchACountInPlainJava() {
    Random rnd = new Random(3);
    List<Row> rows = new ArrayList<>();
    Set<Integer> users = new HashSet<>();
    Set<Integer> items = new HashSet<>();
    double sumLinear = 0;
    double sumLog = 0;
    for (int u = 0; u < 40; u++) {
      for (int i = 0; i < 30; i++) {
        if (rnd.nextDouble() < 0.1) {
          double strength = 0.5 + rnd.nextInt(8);
          rows.add(RowFactory.create(u, 100 + i, strength));
          users.add(u);
          items.add(100 + i);
          sumLinear += strength;
          sumLog += Math.log1p(strength / 2);
        }
      }
    }
    StructType schema = new StructType().add("user_idx", DataTypes.IntegerType, false)
        .add("item_idx", DataTypes.IntegerType, false).add("strength", DataTypes.DoubleType, false);
    Dataset<Row> train = SharedSpark.get().createDataFrame(rows, schema).repartition(3);

    DataDerivedParams.Stats linear = DataDerivedParams.stats(train, new Confidence(false, 1));
    assertEquals(users.size(), linear.users());
    assertEquals(items.size(), linear.items());
    assertEquals(rows.size(), linear.interactions());
    assertEquals(sumLinear / rows.size(), linear.meanRating(), 1e-9);
    DataDerivedParams.Stats log = DataDerivedParams.stats(train, new Confidence(true, 2));
    assertEquals(sumLog / rows.size(), log.meanRating(), 1e-9);
  }
}
