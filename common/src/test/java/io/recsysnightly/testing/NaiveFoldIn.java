package io.recsysnightly.testing;

import java.util.Map;

/**
 * The implicit-ALS fold-in written out naively, as the independent truth the fold-in tests compare
 * with: the normal equations built term by term and solved by Gaussian elimination.
 */
public final class NaiveFoldIn {
  private NaiveFoldIn() {}

  /**
   * x = (YᵀY + Σ c1 y yᵀ + λ n I)⁻¹ Σ (1 + c1) y over the user's items that have a factor and a
   * rating > 0, c1 = α r, n their number; YᵀY over every item factor. Null when n = 0.
   */
  public static double[] solve(float[][] y, Map<Integer, Integer> rowOfId, int[] userItems,
      double[] ratings, double alpha, double lambda) {
    return solve(y, rowOfId, userItems, ratings, alpha, 1.0, n -> lambda * n);
  }

  /**
   * The general form: x = (α₀ YᵀY + Σ (c − α₀) y yᵀ + λ(n) I)⁻¹ Σ c y, c = 1 + α r, over the user's
   * items that have a factor and a rating > 0, n their number; YᵀY over every item factor. Null when n = 0.
   */
  public static double[] solve(float[][] y, Map<Integer, Integer> rowOfId, int[] userItems, double[] ratings,
      double alpha, double unobservedWeight, java.util.function.IntToDoubleFunction lambdaOfN) {
    int rank = y[0].length;
    double[][] a = new double[rank][rank];
    double[] b = new double[rank];
    for (float[] yi : y) {
      for (int i = 0; i < rank; i++) {
        for (int j = 0; j < rank; j++) {
          a[i][j] += unobservedWeight * yi[i] * yi[j];
        }
      }
    }
    int n = 0;
    for (int k = 0; k < userItems.length; k++) {
      Integer row = rowOfId.get(userItems[k]);
      if (row == null || ratings[k] <= 0) {
        continue;
      }
      n++;
      double c = 1 + alpha * ratings[k];
      float[] yi = y[row];
      for (int i = 0; i < rank; i++) {
        for (int j = 0; j < rank; j++) {
          a[i][j] += (c - unobservedWeight) * yi[i] * yi[j];
        }
        b[i] += c * yi[i];
      }
    }
    if (n == 0) {
      return null;
    }
    double lambda = lambdaOfN.applyAsDouble(n);
    for (int i = 0; i < rank; i++) {
      a[i][i] += lambda;
    }
    return gaussianElimination(a, b);
  }

  /** Solves a x = b by Gaussian elimination with partial pivoting (a and b are overwritten). */
  private static double[] gaussianElimination(double[][] a, double[] b) {
    int n = b.length;
    for (int col = 0; col < n; col++) {
      int pivot = col;
      for (int r = col + 1; r < n; r++) {
        if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
          pivot = r;
        }
      }
      double[] rowTmp = a[col];
      a[col] = a[pivot];
      a[pivot] = rowTmp;
      double bTmp = b[col];
      b[col] = b[pivot];
      b[pivot] = bTmp;
      for (int r = col + 1; r < n; r++) {
        double factor = a[r][col] / a[col][col];
        for (int c = col; c < n; c++) {
          a[r][c] -= factor * a[col][c];
        }
        b[r] -= factor * b[col];
      }
    }
    double[] x = new double[n];
    for (int r = n - 1; r >= 0; r--) {
      double sum = b[r];
      for (int c = r + 1; c < n; c++) {
        sum -= a[r][c] * x[c];
      }
      x[r] = sum / a[r][r];
    }
    return x;
  }
}
