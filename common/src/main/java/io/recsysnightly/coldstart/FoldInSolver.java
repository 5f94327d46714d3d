package io.recsysnightly.coldstart;

import io.recsysnightly.als.Regularization;
import io.recsysnightly.als.RowSolver;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The exact implicit-ALS user solve against fixed item factors Y, the same {@link RowSolver} solve
 * the native solver's user half-sweep makes (by Cholesky): {@code x = (α₀·YᵀY + Σ_i (c_i − α₀) y_i y_iᵀ
 * + λ_u I)⁻¹ Σ_i c_i y_i}, with {@code c_i = 1 + α·r_i} over the user's items with r_i > 0 and λ_u the
 * configured {@link Regularization} of their number. A user's fold-in therefore equals the vector ALS
 * would give them in a last user sweep. Ratings are never negative here (negative values are bad records).
 */
public final class FoldInSolver implements Serializable {
  private final float[] items;
  private final int[] itemIds;
  private final int rank;
  private final double alpha;
  private final Regularization regularization;
  private final float[] gram;

  /**
   * @param items item factors, row-major {@code itemIds.length x rank}
   * @param itemIds the item id of each row, strictly increasing
   */
  public FoldInSolver(float[] items, int[] itemIds, int rank, double alpha, Regularization regularization) {
    this.items = items;
    this.itemIds = itemIds;
    this.rank = rank;
    this.alpha = alpha;
    this.regularization = regularization;
    double[] g = new double[rank * rank];
    RowSolver.addGram(items, itemIds.length, rank, g);
    this.gram = new float[rank * rank];
    for (int i = 0; i < g.length; i++) {
      gram[i] = (float) (regularization.unobservedWeight() * g[i]);
    }
  }

  /**
   * @param userItems item ids the user interacted with (ids without a factor are ignored)
   * @param ratings the rating (after the confidence transform) of each
   * @return the user's vector, or null when none of the items has a factor
   */
  public float[] solve(int[] userItems, double[] ratings) {
    int[] rows = new int[userItems.length];
    float[] kept = new float[userItems.length];
    int n = 0;
    for (int i = 0; i < userItems.length; i++) {
      int row = Arrays.binarySearch(itemIds, userItems[i]);
      if (row >= 0 && ratings[i] > 0) {
        rows[n] = row;
        kept[n++] = (float) ratings[i];
      }
    }
    if (n == 0) {
      return null;
    }
    float[] x = new float[rank];
    new RowSolver(rank, gram, alpha, regularization.unobservedWeight())
        .cholesky(items, rows, kept, 0, n, regularization.of(n, itemIds.length), x, 0);
    return x;
  }
}
