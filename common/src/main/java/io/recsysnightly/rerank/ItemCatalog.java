package io.recsysnightly.rerank;

import io.recsysnightly.matrix.BuildMatrix;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What re-ranking needs to know of every item, in arrays indexed by item_idx (indices are dense):
 * id, category, availability, age, popularity and the unit vector. Collected once on the driver and
 * broadcast, like the item matrix of the candidates step.
 */
public final class ItemCatalog implements Serializable {
  private static final double DAY_MICROS = 86_400e6;

  private final String[] ids;
  private final int[] category;
  private final String[] categoryNames;
  private final boolean[] available;
  private final double[] ageDays;
  private final long[] popularity;
  private final float[] unitVectors;
  private final boolean[] hasVector;
  private final int rank;

  /**
   * @param ageDays days from created_ts to the end of the run date, NaN when unknown
   * @param category index into {@code categoryNames}, -1 when the item has none
   * @param unitVectors row-major, {@code rank} floats per item; rows of items without a vector unused
   */
  public ItemCatalog(String[] ids, int[] category, String[] categoryNames, boolean[] available, double[] ageDays,
      long[] popularity, float[] unitVectors, boolean[] hasVector, int rank) {
    this.ids = ids;
    this.category = category;
    this.categoryNames = categoryNames;
    this.available = available;
    this.ageDays = ageDays;
    this.popularity = popularity;
    this.unitVectors = unitVectors;
    this.hasVector = hasVector;
    this.rank = rank;
  }

  /**
   * Collects the item table ({@code item_idx, item_id, category, available, created_ts, popularity})
   * and the item vectors ({@code item_idx, vector}); ages are measured to the end of {@code runDate}.
   */
  public static ItemCatalog collect(Dataset<Row> itemTable, Dataset<Row> itemVectors, LocalDate runDate) {
    return collect(itemTable, itemVectors, BuildMatrix.endOfDayMicros(runDate));
  }

  /** As {@link #collect(Dataset, Dataset, LocalDate)}, ages measured to {@code referenceMicros} (since the epoch). */
  public static ItemCatalog collect(Dataset<Row> itemTable, Dataset<Row> itemVectors, long referenceMicros) {
    List<Row> items = itemTable.select("item_idx", "item_id", "category", "available", "created_ts", "popularity")
        .collectAsList();
    List<Row> vectors = itemVectors.select("item_idx", "vector").collectAsList();
    int size = 0;
    for (Row r : items) {
      size = Math.max(size, r.getInt(0) + 1);
    }
    int rank = vectors.isEmpty() ? 0 : vectors.get(0).getList(1).size();
    String[] ids = new String[size];
    int[] category = new int[size];
    boolean[] available = new boolean[size];
    double[] ageDays = new double[size];
    long[] popularity = new long[size];
    Arrays.fill(category, -1);
    Arrays.fill(ageDays, Double.NaN);
    Map<String, Integer> categoryIndex = new HashMap<>();
    for (Row r : items) {
      int idx = r.getInt(0);
      ids[idx] = r.getString(1);
      if (!r.isNullAt(2)) {
        category[idx] = categoryIndex.computeIfAbsent(r.getString(2), c -> categoryIndex.size());
      }
      available[idx] = r.getBoolean(3);
      if (!r.isNullAt(4)) {
        long createdMicros = r.getTimestamp(4).getTime() * 1000;
        ageDays[idx] = Math.max(0, (referenceMicros - createdMicros) / DAY_MICROS);
      }
      popularity[idx] = r.getLong(5);
    }
    String[] categoryNames = new String[categoryIndex.size()];
    categoryIndex.forEach((name, i) -> categoryNames[i] = name);
    float[] unit = new float[size * rank];
    boolean[] hasVector = new boolean[size];
    for (Row r : vectors) {
      int idx = r.getInt(0);
      if (idx >= size) {
        continue;
      }
      List<Float> v = r.getList(1);
      double norm = 0;
      for (Float x : v) {
        norm += (double) x * x;
      }
      double scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
      for (int f = 0; f < rank; f++) {
        unit[idx * rank + f] = (float) (v.get(f) * scale);
      }
      hasVector[idx] = true;
    }
    return new ItemCatalog(ids, category, categoryNames, available, ageDays, popularity, unit, hasVector, rank);
  }

  public int size() {
    return ids.length;
  }

  public String id(int item) {
    return ids[item];
  }

  /** -1 when the item has no category. */
  public int category(int item) {
    return category[item];
  }

  public String categoryName(int item) {
    return category[item] < 0 ? null : categoryNames[category[item]];
  }

  public boolean available(int item) {
    return item < ids.length && ids[item] != null && available[item];
  }

  public double ageDays(int item) {
    return ageDays[item];
  }

  public long popularity(int item) {
    return popularity[item];
  }

  public boolean hasVector(int item) {
    return item < hasVector.length && hasVector[item];
  }

  /** Cosine similarity of two items that have vectors. */
  public double cosine(int a, int b) {
    double dot = 0;
    int oa = a * rank;
    int ob = b * rank;
    for (int f = 0; f < rank; f++) {
      dot += unitVectors[oa + f] * unitVectors[ob + f];
    }
    return dot;
  }
}
