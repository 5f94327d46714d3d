package io.recsysnightly.spark;

import java.util.List;
import org.apache.spark.sql.Row;

/** A row's array column as a primitive array, for the per-user kernels that read lists of ids or scores. */
public final class RowArrays {
  private RowArrays() {}

  /** Column {@code i} ({@code array<int>}) of {@code r}; null when the column is null. */
  public static int[] ints(Row r, int i) {
    if (r.isNullAt(i)) {
      return null;
    }
    List<Integer> values = r.getList(i);
    int[] out = new int[values.size()];
    for (int j = 0; j < out.length; j++) {
      out[j] = values.get(j);
    }
    return out;
  }

  /** Column {@code i} ({@code array<float>}) of {@code r}; null when the column is null. */
  public static float[] floats(Row r, int i) {
    if (r.isNullAt(i)) {
      return null;
    }
    List<Float> values = r.getList(i);
    float[] out = new float[values.size()];
    for (int j = 0; j < out.length; j++) {
      out[j] = values.get(j);
    }
    return out;
  }
}
