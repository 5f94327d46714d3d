package io.recsysnightly.coldstart;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.struct;

import io.recsysnightly.als.AlsTrainer;
import io.recsysnightly.als.Confidence;
import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.spark.ScalaSeqs;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The exact fold-in of many users at once: each user's interactions gathered into one row, solved
 * against the broadcast item factors by {@link FoldInSolver} (the nightly cold-start step and the
 * intraday refresh use the same solve, so a refreshed vector is the one the nightly would compute).
 */
public final class FoldIn {
  private static final StructType VECTOR_ROW = new StructType()
      .add("user_idx", DataTypes.IntegerType, false)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), true);

  private FoldIn() {}

  /**
   * @param interactions {@code user_idx int, item_idx int, strength double}
   * @param itemFactors {@code item_idx int, vector array<float>}: the fixed factors solved against
   * @return {@code user_idx, vector}, one row per user with at least one item that has a factor
   */
  public static Dataset<Row> users(Dataset<Row> interactions, Dataset<Row> itemFactors, PipelineConfig config) {
    FactorMatrix y = FactorMatrix.collect(itemFactors, "item_idx");
    FoldInSolver solver = new FoldInSolver(y.vectors(), y.ids(), y.rank(), config.get(ConfigKeys.ALS_ALPHA),
        AlsTrainer.regularization(config));
    Broadcast<FoldInSolver> shared = JavaSparkContext.fromSparkContext(interactions.sparkSession().sparkContext())
        .broadcast(solver);
    Confidence confidence = Confidence.from(config);
    MapFunction<Row, Row> solve = r -> {
      List<Row> entries = r.getList(1);
      int[] itemIdx = new int[entries.size()];
      double[] ratings = new double[entries.size()];
      for (int i = 0; i < itemIdx.length; i++) {
        itemIdx[i] = entries.get(i).getInt(0);
        ratings[i] = confidence.rating(entries.get(i).getDouble(1));
      }
      return RowFactory.create(r.getInt(0), toSeq(shared.value().solve(itemIdx, ratings)));
    };
    return interactions.groupBy("user_idx")
        .agg(collect_list(struct(col("item_idx"), col("strength"))).as("entries"))
        .map(solve, Encoders.row(VECTOR_ROW))
        .where(col("vector").isNotNull());
  }

  private static scala.collection.immutable.Seq<Float> toSeq(float[] v) {
    if (v == null) {
      return null;
    }
    Float[] boxed = new Float[v.length];
    for (int i = 0; i < v.length; i++) {
      boxed[i] = v[i];
    }
    return ScalaSeqs.seq(List.of(boxed));
  }
}
