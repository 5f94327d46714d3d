package io.recsysnightly.als;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A factor table collected to the driver as one row-major float array ordered by index, the form
 * the kernels take (and that is broadcast to executors).
 */
public record FactorMatrix(float[] vectors, int[] ids, int rank) implements Serializable {

  /** Collects {@code (idCol int, vector array<float>)}; every vector must have the same length. */
  public static FactorMatrix collect(Dataset<Row> factors, String idCol) {
    List<Row> rows = factors.select(idCol, "vector").orderBy(idCol).collectAsList();
    int n = rows.size();
    int rank = n == 0 ? 0 : rows.get(0).getList(1).size();
    float[] vectors = new float[n * rank];
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      Row r = rows.get(i);
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

  public int size() {
    return ids.length;
  }
}
