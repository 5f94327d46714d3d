package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import io.recsysnightly.spark.ConcurrentJobs;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What the evaluation needs to know about every catalogue item, indexed by item index: its category
 * (as a code into {@link #categoryNames}), its training popularity (distinct training users) and, when
 * asked for, a weighted popularity (the sum of a per-pair weight, e.g. a time decay, as a float).
 * One item-level array each, small enough to broadcast beside the item factors.
 */
public record ItemInfo(int[] category, String[] categoryNames, long[] popularity, boolean[] inCatalogue,
    long catalogueSize, long trainUsers, float[] weightedPopularity) implements Serializable {

  /** Without a weighted popularity. */
  public ItemInfo(int[] category, String[] categoryNames, long[] popularity, boolean[] inCatalogue,
      long catalogueSize, long trainUsers) {
    this(category, categoryNames, popularity, inCatalogue, catalogueSize, trainUsers, new float[popularity.length]);
  }

  public static ItemInfo load(Dataset<Row> items, Dataset<Row> train) {
    return load(items, train, lit(0.0));
  }

  /**
   * @param items {@code item_idx int, category string} (the run's item table)
   * @param train {@code user_idx int, item_idx int}: the pairs the model was fitted on
   * @param weight a per-pair weight over {@code train}'s columns: its sum per item, as a float, is the
   *     weighted popularity (the same pass as the pair counts)
   */
  public static ItemInfo load(Dataset<Row> items, Dataset<Row> train, Column weight) {
    // Three small independent actions: at once, one's planning overlaps another's tasks.
    ConcurrentJobs.Results results = ConcurrentJobs.all(List.<Callable<?>>of(
        () -> items.select("item_idx", "category").collectAsList(),
        () -> train.groupBy("item_idx").agg(count(lit(1)), sum(weight).cast("float")).collectAsList(),
        () -> train.select("user_idx").distinct().count()));
    List<Row> rows = results.get(0);
    List<Row> pops = results.get(1);
    long trainUsers = results.<Long>get(2);
    int size = 0;
    for (Row r : rows) {
      size = Math.max(size, r.getInt(0) + 1);
    }
    for (Row r : pops) {
      size = Math.max(size, r.getInt(0) + 1);
    }
    int[] category = new int[size];
    boolean[] inCatalogue = new boolean[size];
    Map<String, Integer> codes = new LinkedHashMap<>();
    List<String> names = new ArrayList<>();
    for (Row r : rows) {
      String c = r.isNullAt(1) ? "(none)" : r.getString(1);
      Integer code = codes.get(c);
      if (code == null) {
        code = names.size();
        codes.put(c, code);
        names.add(c);
      }
      category[r.getInt(0)] = code;
      inCatalogue[r.getInt(0)] = true;
    }
    long[] popularity = new long[size];
    float[] weighted = new float[size];
    for (Row r : pops) {
      popularity[r.getInt(0)] = r.getLong(1);
      weighted[r.getInt(0)] = r.getFloat(2);
    }
    return new ItemInfo(category, names.toArray(new String[0]), popularity, inCatalogue, rows.size(), trainUsers,
        weighted);
  }

  public int size() {
    return category.length;
  }

  public long popularityOf(int item) {
    return item < popularity.length ? popularity[item] : 0;
  }

  public int categoryOf(int item) {
    return item < category.length ? category[item] : -1;
  }
}
