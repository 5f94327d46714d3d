package io.recsysnightly.eval;

/**
 * The orthogonal Procrustes map between two factor spaces: for M = AᵀB (rows × cols, row-major), the
 * R with orthonormal columns (or rows) minimising ||A R - B|| is the polar factor of M, U Vᵀ of its SVD.
 * Newton–Schulz iteration X ← X (3I - XᵀX) / 2 from X = M / ||M|| finds it with products alone: each
 * singular value in (0, 1] goes to 1 and a zero one stays zero, so a rank-deficient M (ALS factors often
 * leave some dimensions nearly unused) gives the map on the directions both spaces use, and two ranks
 * (rows ≠ cols) are handled alike.
 */
final class Procrustes {
  private static final int MAX_ITERATIONS = 2000;

  private Procrustes() {}

  /** @throws IllegalArgumentException when M is zero (no direction in common) */
  static double[] rotation(double[] m, int rows, int cols) {
    double norm = 0;
    for (double v : m) {
      norm += v * v;
    }
    if (norm == 0) {
      throw new IllegalArgumentException("the two factor spaces share no direction (AᵀB is zero)");
    }
    double[] x = new double[m.length];
    for (int i = 0; i < m.length; i++) {
      x[i] = m[i] / Math.sqrt(norm);
    }
    for (int it = 0; it < MAX_ITERATIONS; it++) {
      double[] gram = new double[cols * cols]; // XᵀX
      for (int r = 0; r < rows; r++) {
        for (int i = 0; i < cols; i++) {
          double xi = x[r * cols + i];
          for (int j = 0; j < cols; j++) {
            gram[i * cols + j] += xi * x[r * cols + j];
          }
        }
      }
      double change = 0;
      double[] next = new double[x.length];
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < cols; j++) {
          double xg = 0;
          for (int i = 0; i < cols; i++) {
            xg += x[r * cols + i] * gram[i * cols + j];
          }
          next[r * cols + j] = 1.5 * x[r * cols + j] - 0.5 * xg;
          double d = next[r * cols + j] - x[r * cols + j];
          change += d * d;
        }
      }
      x = next;
      if (change < 1e-26 * Math.min(rows, cols)) {
        break;
      }
    }
    return x;
  }
}
