package io.recsysnightly.als;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The factors a native fit produced (cached until {@link #release()}), with the objective after each
 * tracked sweep.
 */
public final class AlsFit {
  private final SparkSession spark;
  private final AlsMatrix matrix;
  private final JavaRDD<float[]> users;
  private final JavaRDD<float[]> items;
  /** The factors indexed by row id, on the driver, for a side held there (within the broadcast budget); else null. */
  private final float[] userArray;
  private final float[] itemArray;
  private final List<Broadcast<float[]>> broadcasts;
  private final int rank;
  private final List<Double> losses;

  AlsFit(SparkSession spark, AlsMatrix matrix, JavaRDD<float[]> users, JavaRDD<float[]> items, float[] userArray,
      float[] itemArray, List<Broadcast<float[]>> broadcasts, int rank, List<Double> losses) {
    this.spark = spark;
    this.matrix = matrix;
    this.users = users;
    this.items = items;
    this.userArray = userArray;
    this.itemArray = itemArray;
    this.broadcasts = broadcasts;
    this.rank = rank;
    this.losses = List.copyOf(losses);
  }

  /** {@code user_idx int, vector array<float>}, one row per user with an interaction. */
  public Dataset<Row> users() {
    return table(matrix.users(), users, "user_idx");
  }

  /** {@code item_idx int, vector array<float>}, one row per item with an interaction. */
  public Dataset<Row> items() {
    return table(matrix.items(), items, "item_idx");
  }

  /**
   * The vectors of those of {@code ids} that are users of the fit, ascending: read from the driver's copy when
   * the side is held there (no Spark job), else one job over the factor table.
   */
  public FactorMatrix userMatrix(int[] ids) {
    int[] present = Arrays.stream(ids).distinct().sorted().filter(matrix.users()::hasRow).toArray();
    if (userArray == null) {
      return FactorMatrix.collect(users(), "user_idx", present);
    }
    return gathered(userArray, present);
  }

  /** Every item's vector, ascending by id: from the driver's copy when held there, else one job. */
  public FactorMatrix itemMatrix() {
    return itemArray == null ? FactorMatrix.collect(items(), "item_idx")
        : gathered(itemArray, matrix.items().allRows());
  }

  /** The rows {@code ids} (ascending, each a row of the side) of a side's driver-side array indexed by id. */
  private FactorMatrix gathered(float[] global, int[] ids) {
    float[] vectors = new float[ids.length * rank];
    for (int i = 0; i < ids.length; i++) {
      System.arraycopy(global, ids[i] * rank, vectors, i * rank, rank);
    }
    return new FactorMatrix(vectors, ids, rank);
  }

  /** The objective after each sweep that tracked it; the last is the final fit's. */
  public List<Double> losses() {
    return losses;
  }

  public double finalLoss() {
    if (losses.isEmpty()) {
      throw new IllegalStateException("This fit did not compute its objective (NativeAls.Objective.NONE)");
    }
    return losses.get(losses.size() - 1);
  }

  public void release() {
    users.unpersist(false);
    items.unpersist(false);
    broadcasts.forEach(Broadcast::destroy);
  }

  private Dataset<Row> table(AlsSide side, JavaRDD<float[]> factors, String idCol) {
    int k = rank;
    JavaRDD<Row> rows = side.blocks().zipPartitions(factors, (blocks, vectors) -> {
      RatingBlock b = blocks.next();
      float[] v = vectors.next();
      List<Row> out = new ArrayList<>(b.size());
      for (int i = 0; i < b.size(); i++) {
        Float[] vector = new Float[k];
        for (int f = 0; f < k; f++) {
          vector[f] = v[i * k + f];
        }
        out.add(RowFactory.create(b.rows()[i], vector));
      }
      return out.iterator();
    });
    return spark.createDataFrame(rows, schema(idCol));
  }

  private static StructType schema(String idCol) {
    return new StructType().add(idCol, DataTypes.IntegerType, false)
        .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false);
  }

  static float[] toFloats(List<Object> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).floatValue();
    }
    return out;
  }
}
