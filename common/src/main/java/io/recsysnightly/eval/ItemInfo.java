package io.recsysnightly.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What the evaluation needs to know about every catalogue item, indexed by item index: its category
 * (as a code into {@link #categoryNames}) and its training popularity (distinct training users).
 * One item-level array each, small enough to broadcast beside the item factors.
 */
public record ItemInfo(int[] category, String[] categoryNames, long[] popularity, boolean[] inCatalogue,
    long catalogueSize, long trainUsers) implements Serializable {

  /**
   * @param items {@code item_idx int, category string} (the run's item table)
   * @param train {@code user_idx int, item_idx int}: the pairs the model was fitted on
   */
  public static ItemInfo load(Dataset<Row> items, Dataset<Row> train) {
    List<Row> rows = items.select("item_idx", "category").collectAsList();
    List<Row> pops = train.groupBy("item_idx").count().collectAsList();
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
    for (Row r : pops) {
      popularity[r.getInt(0)] = r.getLong(1);
    }
    long trainUsers = train.select("user_idx").distinct().count();
    return new ItemInfo(category, names.toArray(new String[0]), popularity, inCatalogue, rows.size(), trainUsers);
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
