package io.recsysnightly.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.knn.Scoring;
import io.recsysnightly.spark.ScalaSeqs;
import io.recsysnightly.testing.SharedSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The nightly search's one-job NDCG and recall against the full evaluator (checked by hand in
 * {@link FullEvaluatorTest}) on the same lists, for both scorings: random factors, some validation users
 * without factors (no list: they score zero in both), blocks smaller than the users.
 */
class ValidationQueriesTest {
  private static final StructType PAIRS = new StructType().add("user_idx", DataTypes.IntegerType)
      .add("item_idx", DataTypes.IntegerType).add("strength", DataTypes.DoubleType);
  private static final StructType USER_FACTORS = new StructType().add("user_idx", DataTypes.IntegerType)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false));
  private static final StructType ITEM_FACTORS = new StructType().add("item_idx", DataTypes.IntegerType)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false));

  @Test
  void ndcgAndRecallInOneJobEqualTheFullEvaluators() {
    SparkSession spark = SharedSpark.get();
    Random rnd = new Random(3);
    int users = 60;
    int items = 40;
    int rank = 4;
    List<Row> fit = new ArrayList<>();
    List<Row> validation = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      for (int i = 0; i < items; i++) {
        double x = rnd.nextDouble();
        if (x < 0.15) {
          fit.add(RowFactory.create(u, i, 1.0));
        } else if (x < 0.22) {
          validation.add(RowFactory.create(u, i, 1.0));
        }
      }
    }
    List<Row> userFactors = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      if (u % 7 != 3) {
        userFactors.add(RowFactory.create(u, ScalaSeqs.seq(gaussian(rnd, rank))));
      }
    }
    List<Row> itemFactors = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      itemFactors.add(RowFactory.create(i, ScalaSeqs.seq(gaussian(rnd, rank))));
    }
    ValidationSplit split = ValidationSplit.between(spark.createDataFrame(fit, PAIRS),
        spark.createDataFrame(validation, PAIRS));
    Dataset<Row> u = spark.createDataFrame(userFactors, USER_FACTORS);
    Dataset<Row> i = spark.createDataFrame(itemFactors, ITEM_FACTORS);
    ValidationQueries queries = ValidationQueries.collect(split);
    FactorMatrix userVectors = FactorMatrix.collect(u, "user_idx");
    FactorMatrix itemVectors = FactorMatrix.collect(i, "item_idx");
    for (String scoring : List.of("dot", "cosine")) {
      PipelineConfig config = PipelineConfig.load(Optional.empty(), List.of("recsys.candidates.scoring=" + scoring));
      for (int k : new int[] {1, 5, 10}) {
        Map<String, Double> full = split.score(u, i, config, k);
        Map<String, Double> fast = queries.ndcgAndRecall(userVectors, itemVectors,
            Scoring.from(config, ConfigKeys.CANDIDATES_SCORING), k, 7);
        String what = scoring + ", k " + k + ": ";
        assertEquals(full.get("ndcg@" + k), fast.get("ndcg@" + k), 1e-12, what + "ndcg");
        assertEquals(full.get("recall@" + k), fast.get("recall@" + k), 1e-12, what + "recall");
        assertTrue(fast.get("recall@" + k) > 0, what + "some hits");
      }
    }
    split.release();
  }

  private static List<Float> gaussian(Random rnd, int rank) {
    List<Float> v = new ArrayList<>();
    for (int d = 0; d < rank; d++) {
      v.add((float) rnd.nextGaussian());
    }
    return v;
  }
}
