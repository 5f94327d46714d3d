package io.recsysnightly.als;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A factor table collected to the driver as one row-major float array ordered by index, the form
 * the kernels take (and that is broadcast to executors).
 */
public record FactorMatrix(float[] vectors, int[] ids, int rank) implements Serializable {

  /**
   * Collects {@code (idCol int, vector array<float>)}; every vector must have the same length. Rows
   * are sorted by id here on the driver (an orderBy would cost a shuffle job for what is a small sort).
   */
  public static FactorMatrix collect(Dataset<Row> factors, String idCol) {
    List<Row> rows = factors.select(idCol, "vector").collectAsList();
    int n = rows.size();
    int rank = n == 0 ? 0 : rows.get(0).getList(1).size();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(rows.get(a).getInt(0), rows.get(b).getInt(0)));
    float[] vectors = new float[n * rank];
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      Row r = rows.get(order[i]);
      ids[i] = r.getInt(0);
      List<Float> v = r.getList(1);
      if (v.size() != rank) {
        throw new IllegalStateException(idCol + " " + ids[i] + " has a vector of length " + v.size() + ", not " + rank);
      }
      for (int f = 0; f < rank; f++) {
        vectors[i * rank + f] = v.get(f);
      }
    }
    return new FactorMatrix(vectors, ids, rank);
  }

  /** The rows of {@code factors} whose id is one of {@code ids}, collected as {@link #collect(Dataset, String)} does. */
  public static FactorMatrix collect(Dataset<Row> factors, String idCol, int[] ids) {
    return collect(factors.where(col(idCol).isInCollection(Arrays.stream(ids).boxed().toList())), idCol);
  }

  public int size() {
    return ids.length;
  }
}
