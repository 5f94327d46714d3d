package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sort_array;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.knn.BlockedTopN;
import io.recsysnightly.knn.ItemSide;
import io.recsysnightly.knn.StarterLists;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.testing.SharedSpark;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The one-job evaluation against {@link FullEvaluator} on the same models' lists built as DataFrames (the
 * kernel's {@link BlockedTopN}, the baselines' DataFrame lists, the starter lists joined per segment): every
 * metric of every model, and the details, agree. The data has what the edge cases need: users without an ALS
 * vector, users with held-out items only, users without a segment row, a catalogue item nobody trained on.
 */
class HeldOutListsTest {
  private static final int USERS = 70;
  private static final int ITEMS = 30;
  private static final int RANK = 4;
  private static final long NOW = 1_700_000_000_000_000L;
  private static final EvalSpec SPEC = new EvalSpec(List.of(5, 10), 10, 3, 8);

  @Test
  void figuresEqualTheDataFrameEvaluation() {
    SparkSession spark = SharedSpark.get();
    Random random = new Random(5);
    List<Row> trainRows = new ArrayList<>();
    List<Row> holdoutRows = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      boolean holdoutOnly = u >= USERS - 3;
      for (int i = 0; i < ITEMS - 1; i++) { // the last item is in the catalogue only
        double p = random.nextDouble();
        if (p < 0.2 && !holdoutOnly) {
          trainRows.add(RowFactory.create(u, i, new Timestamp((NOW - random.nextInt(90) * 86_400_000_000L) / 1000)));
        } else if (p < 0.27 || (holdoutOnly && p < 0.3)) {
          holdoutRows.add(RowFactory.create(u, i));
        }
      }
    }
    StructType trainSchema = new StructType().add("user_idx", DataTypes.IntegerType, false)
        .add("item_idx", DataTypes.IntegerType, false).add("last_ts", DataTypes.TimestampType, false);
    Dataset<Row> train = spark.createDataFrame(trainRows, trainSchema).cache();
    Dataset<Row> holdout = spark.createDataFrame(holdoutRows, new StructType()
        .add("user_idx", DataTypes.IntegerType, false).add("item_idx", DataTypes.IntegerType, false)).cache();
    List<Row> segmentRows = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      if (u % 5 != 4) { // every fifth user has no row in the user table
        segmentRows.add(RowFactory.create(u, u % 5 == 3 ? null : "s" + (u % 3)));
      }
    }
    Dataset<Row> users = spark.createDataFrame(segmentRows, new StructType()
        .add("user_idx", DataTypes.IntegerType, false).add("segment", DataTypes.StringType, true));
    Dataset<Row> userVectors = vectors(spark, "user_idx", USERS, u -> u % 7 != 6, random); // some users have none
    Dataset<Row> itemVectors = vectors(spark, "item_idx", ITEMS - 1, i -> true, random);
    List<Row> catalogue = new ArrayList<>();
    for (int i = 0; i < ITEMS; i++) {
      catalogue.add(RowFactory.create(i, "c" + (i % 4)));
    }
    ItemInfo info = ItemInfo.load(spark.createDataFrame(catalogue, new StructType()
        .add("item_idx", DataTypes.IntegerType, false).add("category", DataTypes.StringType, false)), train,
        Baselines.decayWeight(20, NOW));

    BlockedTopN topK = new BlockedTopN(SPEC.maxK(), 16);
    ItemSide alsItems = ItemSide.exact(FactorMatrix.collect(itemVectors, "item_idx"), Set.of());
    Dataset<Row> heldOut = holdout.select("user_idx").distinct();
    Dataset<Row> seen = train.join(broadcast(heldOut), "user_idx", "left_semi").groupBy("user_idx")
        .agg(sort_array(collect_list("item_idx")).as("seen"), count(lit(1)).as("n_train"));

    // The reference: each model's lists as DataFrames, evaluated by FullEvaluator.
    Dataset<Row> holdoutUsers = heldOut.join(seen, "user_idx", "left");
    Map<String, Dataset<Row>> lists = new LinkedHashMap<>();
    lists.put(EvaluateModels.ALS, topK.run(holdoutUsers.join(userVectors, "user_idx")
        .select(col("user_idx").as("query_idx"), col("vector"), col("seen")), alsItems));
    lists.put(EvaluateModels.POPULARITY, Baselines.popularityLists(info.popularity(), holdoutUsers, SPEC.maxK()));
    lists.put(EvaluateModels.POPULARITY_DECAYED, Baselines.popularityLists(info.popularity(),
        info.weightedPopularity(), holdoutUsers, SPEC.maxK()));
    Baselines.Scoring knn = Baselines.itemKnn(train, holdoutUsers.where(col("seen").isNotNull()));
    lists.put(EvaluateModels.ITEM_KNN, topK.run(knn.queries(), knn.items(), Set.of()));
    Dataset<Row> newcomers = holdoutUsers.select("user_idx").join(users, "user_idx", "left");
    lists.put(EvaluateModels.STARTER_SEGMENT, StarterLists.listFor(newcomers, StarterLists.segmentLists(
        StarterLists.segmentMeans(userVectors.join(users, "user_idx", "left")), alsItems, topK))
        .withColumnRenamed("user_idx", "query_idx"));
    lists.put(EvaluateModels.STARTER_POPULARITY, Baselines.popularityLists(info.popularity(), newcomers.select(
        col("user_idx"), lit(null).cast(DataTypes.createArrayType(DataTypes.IntegerType)).as("seen")), SPEC.maxK()));
    Dataset<Row> userInfo = users.join(seen.select("user_idx", "n_train"), "user_idx", "right");
    Map<String, ModelEvaluation> expected = new FullEvaluator(SPEC).evaluateAll(lists, Set.of(EvaluateModels.ALS,
        EvaluateModels.POPULARITY, EvaluateModels.POPULARITY_DECAYED, EvaluateModels.ITEM_KNN), holdout, userInfo,
        info);

    HeldOutLists.Users heldOutUsers = HeldOutLists.collect(holdout, train, users);
    HeldOutLists.Sources sources = HeldOutLists.sources(alsItems, FactorMatrix.collect(userVectors, "user_idx",
        heldOutUsers.ids()), userVectors, users, info, train, SPEC.maxK(), 16);
    Map<String, ModelEvaluation> actual = HeldOutLists.evaluate(JavaSparkContext.fromSparkContext(
        spark.sparkContext()), heldOutUsers, sources, SPEC, info, 16);

    assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
    for (String model : expected.keySet()) {
      Map<String, Double> e = expected.get(model).metrics();
      Map<String, Double> a = actual.get(model).metrics();
      assertEquals(e.keySet(), a.keySet(), model);
      for (String metric : e.keySet()) {
        assertEquals(e.get(metric), a.get(metric), 1e-12, model + " " + metric);
      }
      // The details hold sums over users in another order: compared as text, at 9 digits.
      assertEquals(rounded(expected.get(model).details()), rounded(actual.get(model).details()), model);
    }
    assertTrue(expected.get(EvaluateModels.ALS).metrics().get("users_evaluated") > 50, "enough users evaluated");
    assertTrue(expected.get(EvaluateModels.ALS).metrics().get("ndcg@10") > 0, "ALS lists were scored");
  }

  private static Dataset<Row> vectors(SparkSession spark, String idCol, int n,
      java.util.function.IntPredicate has, Random random) {
    List<Row> rows = new ArrayList<>();
    for (int id = 0; id < n; id++) {
      if (has.test(id)) {
        Float[] v = new Float[RANK];
        for (int f = 0; f < RANK; f++) {
          v[f] = (float) random.nextGaussian();
        }
        rows.add(RowFactory.create(id, v));
      }
    }
    return spark.createDataFrame(rows, new StructType().add(idCol, DataTypes.IntegerType, false)
        .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false));
  }

  /** The details as JSON, every number with a fraction rounded to 9 significant digits. */
  private static String rounded(Map<String, Object> details) {
    Matcher m = Pattern.compile("-?\\d+\\.\\d+(E-?\\d+)?").matcher(StepReport.toJson(details));
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, String.format(Locale.ROOT, "%.9g", Double.parseDouble(m.group())));
    }
    return m.appendTail(out).toString();
  }
}
