package io.recsysnightly.als;

/** Solves A x = b for a symmetric positive-definite A (row-major n x n) by Cholesky factorisation. */
public final class Cholesky {
  private Cholesky() {}

  public static double[] solve(double[] a, double[] b, int n) {
    double[] l = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double sum = a[i * n + j];
        for (int p = 0; p < j; p++) {
          sum -= l[i * n + p] * l[j * n + p];
        }
        if (i == j) {
          if (!(sum > 0)) {
            throw new ArithmeticException("Matrix is not positive definite (regularisation 0 and too few items?)");
          }
          l[i * n + i] = Math.sqrt(sum);
        } else {
          l[i * n + j] = sum / l[j * n + j];
        }
      }
    }
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      double sum = b[i];
      for (int p = 0; p < i; p++) {
        sum -= l[i * n + p] * y[p];
      }
      y[i] = sum / l[i * n + i];
    }
    double[] x = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double sum = y[i];
      for (int p = i + 1; p < n; p++) {
        sum -= l[p * n + i] * x[p];
      }
      x[i] = sum / l[i * n + i];
    }
    return x;
  }
}
