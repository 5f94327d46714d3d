package io.recsysnightly.eval;

/**
 * The orthogonal Procrustes rotation: for M = AᵀB (k × k, row-major), the orthogonal R minimising
 * ||A R - B|| is the polar factor of M (U Vᵀ of its SVD), found by Newton's iteration
 * X ← (X + X⁻ᵀ) / 2 from X = M, which converges quadratically for a non-singular M.
 */
final class Procrustes {
  private static final int MAX_ITERATIONS = 100;

  private Procrustes() {}

  /** @throws IllegalArgumentException when M is singular (the two spaces share fewer than k directions) */
  static double[] rotation(double[] m, int k) {
    double[] x = m.clone();
    for (int it = 0; it < MAX_ITERATIONS; it++) {
      double[] inverse = invert(x, k);
      double change = 0;
      double norm = 0;
      double[] next = new double[k * k];
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          next[i * k + j] = (x[i * k + j] + inverse[j * k + i]) / 2; // X⁻ᵀ[i][j] = X⁻¹[j][i]
          double d = next[i * k + j] - x[i * k + j];
          change += d * d;
          norm += next[i * k + j] * next[i * k + j];
        }
      }
      x = next;
      if (change <= 1e-24 * norm) {
        return x;
      }
    }
    return x;
  }

  /** Gauss–Jordan elimination with partial pivoting. */
  static double[] invert(double[] a, int k) {
    double[] m = a.clone();
    double[] inv = new double[k * k];
    for (int i = 0; i < k; i++) {
      inv[i * k + i] = 1;
    }
    double scale = 0;
    for (double v : a) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int c = 0; c < k; c++) {
      int pivot = c;
      for (int r = c + 1; r < k; r++) {
        if (Math.abs(m[r * k + c]) > Math.abs(m[pivot * k + c])) {
          pivot = r;
        }
      }
      if (Math.abs(m[pivot * k + c]) <= 1e-12 * scale) {
        throw new IllegalArgumentException("singular matrix: the two factor spaces do not span the same directions");
      }
      swapRows(m, c, pivot, k);
      swapRows(inv, c, pivot, k);
      double p = m[c * k + c];
      for (int j = 0; j < k; j++) {
        m[c * k + j] /= p;
        inv[c * k + j] /= p;
      }
      for (int r = 0; r < k; r++) {
        double f = m[r * k + c];
        if (r == c || f == 0) {
          continue;
        }
        for (int j = 0; j < k; j++) {
          m[r * k + j] -= f * m[c * k + j];
          inv[r * k + j] -= f * inv[c * k + j];
        }
      }
    }
    return inv;
  }

  private static void swapRows(double[] m, int a, int b, int k) {
    if (a == b) {
      return;
    }
    for (int j = 0; j < k; j++) {
      double t = m[a * k + j];
      m[a * k + j] = m[b * k + j];
      m[b * k + j] = t;
    }
  }
}
