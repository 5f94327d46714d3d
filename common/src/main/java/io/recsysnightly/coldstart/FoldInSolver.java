package io.recsysnightly.coldstart;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The exact implicit-ALS user solve against fixed item factors Y, as Spark's ALS computes it:
 * {@code x = (YᵀY + Σ_i c1_i y_i y_iᵀ + λ·n_u·I)⁻¹ Σ_i (1 + c1_i) y_i}, with {@code c1_i = α·r_i}
 * over the user's items with r_i > 0, and λ scaled by their number n_u (ALS-WR, as Spark does).
 * A user's fold-in therefore equals the vector ALS would give them in its last user sweep. Ratings
 * are never negative here (negative values are bad records), where Spark and this solver would differ.
 */
public final class FoldInSolver implements Serializable {
  private final float[] items;
  private final int[] itemIds;
  private final int rank;
  private final double alpha;
  private final double lambda;
  private final double[] gram;

  /**
   * @param items item factors, row-major {@code itemIds.length x rank}
   * @param itemIds the item id of each row, strictly increasing
   */
  public FoldInSolver(float[] items, int[] itemIds, int rank, double alpha, double lambda) {
    this.items = items;
    this.itemIds = itemIds;
    this.rank = rank;
    this.alpha = alpha;
    this.lambda = lambda;
    this.gram = new double[rank * rank];
    for (int row = 0; row < itemIds.length; row++) {
      addOuter(gram, row, 1.0);
    }
  }

  /**
   * @param userItems item ids the user interacted with (ids without a factor are ignored)
   * @param ratings the rating (after the confidence transform) of each
   * @return the user's vector, or null when none of the items has a factor
   */
  public float[] solve(int[] userItems, double[] ratings) {
    double[] a = Arrays.copyOf(gram, gram.length);
    double[] b = new double[rank];
    int positives = 0;
    for (int i = 0; i < userItems.length; i++) {
      int row = Arrays.binarySearch(itemIds, userItems[i]);
      if (row < 0 || !(ratings[i] > 0)) {
        continue;
      }
      double c1 = alpha * ratings[i];
      addOuter(a, row, c1);
      for (int f = 0; f < rank; f++) {
        b[f] += (1 + c1) * items[row * rank + f];
      }
      positives++;
    }
    if (positives == 0) {
      return null;
    }
    for (int f = 0; f < rank; f++) {
      a[f * rank + f] += lambda * positives;
    }
    double[] x = Cholesky.solve(a, b, rank);
    float[] out = new float[rank];
    for (int f = 0; f < rank; f++) {
      out[f] = (float) x[f];
    }
    return out;
  }

  private void addOuter(double[] m, int row, double weight) {
    int base = row * rank;
    for (int i = 0; i < rank; i++) {
      double wi = weight * items[base + i];
      for (int j = 0; j < rank; j++) {
        m[i * rank + j] += wi * items[base + j];
      }
    }
  }
}
