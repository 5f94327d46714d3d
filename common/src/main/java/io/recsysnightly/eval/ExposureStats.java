package io.recsysnightly.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Item-level statistics of how recommendations are spread over the catalogue, from per-item counts. */
public final class ExposureStats {
  private ExposureStats() {}

  /**
   * Gini coefficient of {@code counts} (one per catalogue item, zeros included): 0 when every item
   * is recommended equally often, (n-1)/n when one item takes everything. Sorted ascending,
   * {@code G = sum_i (2i - n - 1) x_i / (n sum x)} with i from 1.
   */
  public static double gini(long[] counts) {
    int n = counts.length;
    long[] x = counts.clone();
    Arrays.sort(x);
    double total = 0;
    double weighted = 0;
    for (int i = 0; i < n; i++) {
      total += x[i];
      weighted += (2.0 * (i + 1) - n - 1) * x[i];
    }
    return n == 0 || total == 0 ? 0 : weighted / (n * total);
  }

  /**
   * The long-tail curve: catalogue items ranked by training popularity (most popular first, ties
   * by index) and cut into {@code bins} equal groups; for each group, its share of all
   * recommendations and of all held-out interactions.
   *
   * @return rows {@code [bin upper rank, share of recommendations, share of holdout]}
   */
  public static List<double[]> longTail(long[] popularity, boolean[] inCatalogue, long[] recommended, long[] heldOut,
      int bins) {
    List<Integer> items = new ArrayList<>();
    for (int i = 0; i < popularity.length; i++) {
      if (inCatalogue[i]) {
        items.add(i);
      }
    }
    items.sort(Comparator.<Integer>comparingLong(i -> -popularity[i]).thenComparingInt(i -> i));
    double recTotal = Arrays.stream(recommended).sum();
    double holdTotal = Arrays.stream(heldOut).sum();
    int n = items.size();
    int b = Math.max(1, Math.min(bins, n));
    List<double[]> out = new ArrayList<>();
    for (int k = 0; k < b; k++) {
      int from = (int) ((long) n * k / b);
      int to = (int) ((long) n * (k + 1) / b);
      double rec = 0;
      double hold = 0;
      for (int p = from; p < to; p++) {
        rec += recommended[items.get(p)];
        hold += heldOut[items.get(p)];
      }
      out.add(new double[] {to, recTotal == 0 ? 0 : rec / recTotal, holdTotal == 0 ? 0 : hold / holdTotal});
    }
    return out;
  }

  /** Per category: the share of its catalogue items that were recommended at least once. */
  public static Map<String, Double> coverageByCategory(ItemInfo items, long[] recommended) {
    int c = items.categoryNames().length;
    long[] total = new long[c];
    long[] covered = new long[c];
    for (int i = 0; i < items.size(); i++) {
      if (items.inCatalogue()[i]) {
        total[items.category()[i]]++;
        if (recommended[i] > 0) {
          covered[items.category()[i]]++;
        }
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (int k = 0; k < c; k++) {
      out.put(items.categoryNames()[k], total[k] == 0 ? 0 : (double) covered[k] / total[k]);
    }
    return out;
  }
}
