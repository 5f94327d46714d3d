package io.recsysnightly.als;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The implicit-ALS solve of one row against a fixed side Y: minimises
 * {@code Σ_obs c_i (p_i − x·y_i)² + α₀ Σ_unobs (x·y_i)² + λ_row ‖x‖²}, whose normal equations are
 * {@code (α₀·YᵀY + Σ_obs (c_i − α₀) y_i y_iᵀ + λ_row I) x = Σ_obs c_i p_i y_i}, with
 * {@code c_i = 1 + α|r_i|}, {@code p_i = [r_i > 0]}. The Gram matrix YᵀY is computed once per half-sweep
 * (the "Gram trick"), so a row costs O(n_row·k) plus O(k²) per conjugate-gradient step, or
 * O(n_row·k² + k³) for the exact Cholesky solve. Holds scratch buffers: one instance per task thread.
 */
public final class RowSolver {
  // FMA is written lanewise(FMA, ..) rather than fma(..): fma's own virtual call inside FloatVector has a
  // profile shared with every other user of the Vector API in the JVM (MLlib's netlib VectorBLAS), and
  // once that profile is polluted C2 stops intrinsifying it here (measured: the kernel 6x slower after an
  // ALS.fit; 3x with lanewise, whose call site is ours).
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private final int k;
  private final float[] gram;
  private final double alpha;
  private final double unobservedWeight;
  private final Cg first;
  private final Cg second;
  private final double[] a;
  private final double[] b;

  /** One row's conjugate-gradient state: residual, direction, A·direction, ‖residual‖², still running. */
  private static final class Cg {
    final float[] r;
    final float[] p;
    final float[] ap;
    double rs;
    boolean live;

    Cg(int k) {
      r = new float[k];
      p = new float[k];
      ap = new float[k];
    }
  }

  /**
   * @param gram α₀·YᵀY, row-major k x k
   * @param alpha α of the confidence {@code 1 + α|r|}
   * @param unobservedWeight α₀
   */
  public RowSolver(int k, float[] gram, double alpha, double unobservedWeight) {
    this.k = k;
    this.gram = gram;
    this.alpha = alpha;
    this.unobservedWeight = unobservedWeight;
    this.first = new Cg(k);
    this.second = new Cg(k);
    this.a = new double[k * k];
    this.b = new double[k];
  }

  /**
   * {@code steps} conjugate-gradient steps on the row's normal equations, started from the row's
   * current vector (as {@code implicit}'s {@code _least_squares_cg} does). Each step lowers the row's
   * objective, so a sweep never raises the total.
   *
   * @param y the fixed side, row-major, indexed by {@code cols}
   * @param cols the fixed rows of this row's cells, {@code [from, to)}
   * @param ratings the rating of each cell
   * @param x the row's vector at {@code xOff}, updated in place
   */
  public void conjugateGradient(float[] y, int[] cols, float[] ratings, int from, int to, double lambda,
      float[] x, int xOff, int steps) {
    symv(x, xOff, first.r);
    begin(first, y, cols, ratings, from, to, lambda, x, xOff);
    for (int step = 0; step < steps && first.live; step++) {
      symv(first.p, 0, first.ap);
      advance(first, y, cols, ratings, from, to, lambda, x, xOff);
    }
  }

  /**
   * {@link #conjugateGradient} on two rows at once, with the same arithmetic (same results to the
   * bit): each step's product with the Gram matrix is done for both rows in one pass over it. At rank
   * 64 and above that product is half a step's cost, and it is bound by reading the k x k matrix from
   * the cache, so sharing the read saves most of one of the two.
   */
  public void conjugateGradientPair(float[] y, int[] cols, float[] ratings, int from0, int to0, double lambda0,
      int from1, int to1, double lambda1, float[] x, int xOff0, int xOff1, int steps) {
    symv2(x, xOff0, x, xOff1, first.r, second.r);
    begin(first, y, cols, ratings, from0, to0, lambda0, x, xOff0);
    begin(second, y, cols, ratings, from1, to1, lambda1, x, xOff1);
    for (int step = 0; step < steps; step++) {
      if (first.live && second.live) {
        symv2(first.p, 0, second.p, 0, first.ap, second.ap);
      } else if (first.live) {
        symv(first.p, 0, first.ap);
      } else if (second.live) {
        symv(second.p, 0, second.ap);
      } else {
        break;
      }
      if (first.live) {
        advance(first, y, cols, ratings, from0, to0, lambda0, x, xOff0);
      }
      if (second.live) {
        advance(second, y, cols, ratings, from1, to1, lambda1, x, xOff1);
      }
    }
  }

  /** r = b − A x, given {@code c.r} = gram·x; p = r. */
  private void begin(Cg c, float[] y, int[] cols, float[] ratings, int from, int to, double lambda, float[] x,
      int xOff) {
    float[] r = c.r;
    for (int f = 0; f < k; f++) {
      r[f] = (float) (-r[f] - lambda * x[xOff + f]);
    }
    for (int j = from; j < to; j++) {
      int yOff = cols[j] * k;
      double conf = 1 + alpha * Math.abs(ratings[j]);
      double target = ratings[j] > 0 ? conf : 0;
      float s = (float) (target - (conf - unobservedWeight) * dot(y, yOff, x, xOff));
      axpy(s, y, yOff, r, 0);
    }
    System.arraycopy(r, 0, c.p, 0, k);
    c.rs = dot(r, 0, r, 0);
    c.live = c.rs > 1e-20;
  }

  /** One step, given {@code c.ap} = gram·p: ap = A p, then x, r and p move; stops the row when done. */
  private void advance(Cg c, float[] y, int[] cols, float[] ratings, int from, int to, double lambda, float[] x,
      int xOff) {
    float[] p = c.p;
    float[] ap = c.ap;
    for (int f = 0; f < k; f++) {
      ap[f] += (float) (lambda * p[f]);
    }
    for (int j = from; j < to; j++) {
      int yOff = cols[j] * k;
      double conf = 1 + alpha * Math.abs(ratings[j]);
      axpy((float) ((conf - unobservedWeight) * dot(y, yOff, p, 0)), y, yOff, ap, 0);
    }
    double pAp = dot(p, 0, ap, 0);
    if (!(pAp > 0)) {
      c.live = false;
      return;
    }
    float step = (float) (c.rs / pAp);
    axpy(step, p, 0, x, xOff);
    axpy(-step, ap, 0, c.r, 0);
    double rsNew = dot(c.r, 0, c.r, 0);
    float beta = (float) (rsNew / c.rs);
    for (int f = 0; f < k; f++) {
      p[f] = c.r[f] + beta * p[f];
    }
    c.rs = rsNew;
    c.live = rsNew > 1e-20;
  }

  /** The exact solve of the row's normal equations (A built in double precision, then Cholesky). */
  public void cholesky(float[] y, int[] cols, float[] ratings, int from, int to, double lambda, float[] x,
      int xOff) {
    for (int i = 0; i < k * k; i++) {
      a[i] = gram[i];
    }
    java.util.Arrays.fill(b, 0);
    for (int j = from; j < to; j++) {
      int yOff = cols[j] * k;
      double c = 1 + alpha * Math.abs(ratings[j]);
      double w = c - unobservedWeight;
      double target = ratings[j] > 0 ? c : 0;
      for (int f = 0; f < k; f++) {
        double wf = w * y[yOff + f];
        int rowOff = f * k;
        for (int g = 0; g <= f; g++) {
          a[rowOff + g] += wf * y[yOff + g];
        }
        b[f] += target * y[yOff + f];
      }
    }
    for (int f = 0; f < k; f++) {
      a[f * k + f] += lambda;
      for (int g = 0; g < f; g++) {
        a[g * k + f] = a[f * k + g];
      }
    }
    double[] solution = Cholesky.solve(a, b, k);
    for (int f = 0; f < k; f++) {
      x[xOff + f] = (float) solution[f];
    }
  }

  /** The row's share of the objective, without the other side's regularisation. */
  public double loss(float[] y, int[] cols, float[] ratings, int from, int to, double lambda, float[] x,
      int xOff) {
    symv(x, xOff, first.r);
    double unobserved = dot(x, xOff, first.r, 0);
    double sum = unobserved + lambda * dot(x, xOff, x, xOff);
    for (int j = from; j < to; j++) {
      double c = 1 + alpha * Math.abs(ratings[j]);
      double prediction = dot(y, cols[j] * k, x, xOff);
      double error = (ratings[j] > 0 ? 1 : 0) - prediction;
      sum += c * error * error - unobservedWeight * prediction * prediction;
    }
    return sum;
  }

  /**
   * out = gram · v[off .. off+k). Gram is symmetric, so out is Σ_f v_f · (row f of gram): four vector
   * accumulators per column block stay in registers across the rows, where one dot product per
   * output would pay a horizontal reduction each (this is most of a CG step's cost at rank 64).
   */
  private void symv(float[] v, int off, float[] out) {
    int lanes = S.length();
    int bound = S.loopBound(k);
    int c = 0;
    for (; c + 4 * lanes <= bound; c += 4 * lanes) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = FloatVector.zero(S);
      FloatVector a2 = FloatVector.zero(S);
      FloatVector a3 = FloatVector.zero(S);
      for (int f = 0, base = c; f < k; f++, base += k) {
        FloatVector vf = FloatVector.broadcast(S, v[off + f]);
        a0 = FloatVector.fromArray(S, gram, base).lanewise(VectorOperators.FMA, vf, a0);
        a1 = FloatVector.fromArray(S, gram, base + lanes).lanewise(VectorOperators.FMA, vf, a1);
        a2 = FloatVector.fromArray(S, gram, base + 2 * lanes).lanewise(VectorOperators.FMA, vf, a2);
        a3 = FloatVector.fromArray(S, gram, base + 3 * lanes).lanewise(VectorOperators.FMA, vf, a3);
      }
      a0.intoArray(out, c);
      a1.intoArray(out, c + lanes);
      a2.intoArray(out, c + 2 * lanes);
      a3.intoArray(out, c + 3 * lanes);
    }
    symvColumns(v, off, out, c);
  }

  /** Columns {@code [from, k)} of out = gram · v, one vector (then one column) at a time. */
  private void symvColumns(float[] v, int off, float[] out, int from) {
    int lanes = S.length();
    int bound = S.loopBound(k);
    int c = from;
    for (; c < bound; c += lanes) {
      FloatVector acc = FloatVector.zero(S);
      for (int f = 0, base = c; f < k; f++, base += k) {
        acc = FloatVector.fromArray(S, gram, base).lanewise(VectorOperators.FMA, FloatVector.broadcast(S, v[off + f]), acc);
      }
      acc.intoArray(out, c);
    }
    for (; c < k; c++) {
      float sum = 0;
      for (int f = 0; f < k; f++) {
        sum += gram[f * k + c] * v[off + f];
      }
      out[c] = sum;
    }
  }

  /** out0 = gram · v0[off0 ..], out1 = gram · v1[off1 ..] in one pass over gram, each summed as {@link #symv} sums it. */
  private void symv2(float[] v0, int off0, float[] v1, int off1, float[] out0, float[] out1) {
    int lanes = S.length();
    int bound = S.loopBound(k);
    int c = 0;
    for (; c + 4 * lanes <= bound; c += 4 * lanes) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = FloatVector.zero(S);
      FloatVector a2 = FloatVector.zero(S);
      FloatVector a3 = FloatVector.zero(S);
      FloatVector b0 = FloatVector.zero(S);
      FloatVector b1 = FloatVector.zero(S);
      FloatVector b2 = FloatVector.zero(S);
      FloatVector b3 = FloatVector.zero(S);
      for (int f = 0, base = c; f < k; f++, base += k) {
        FloatVector vf = FloatVector.broadcast(S, v0[off0 + f]);
        FloatVector wf = FloatVector.broadcast(S, v1[off1 + f]);
        FloatVector g0 = FloatVector.fromArray(S, gram, base);
        FloatVector g1 = FloatVector.fromArray(S, gram, base + lanes);
        FloatVector g2 = FloatVector.fromArray(S, gram, base + 2 * lanes);
        FloatVector g3 = FloatVector.fromArray(S, gram, base + 3 * lanes);
        a0 = g0.lanewise(VectorOperators.FMA, vf, a0);
        a1 = g1.lanewise(VectorOperators.FMA, vf, a1);
        a2 = g2.lanewise(VectorOperators.FMA, vf, a2);
        a3 = g3.lanewise(VectorOperators.FMA, vf, a3);
        b0 = g0.lanewise(VectorOperators.FMA, wf, b0);
        b1 = g1.lanewise(VectorOperators.FMA, wf, b1);
        b2 = g2.lanewise(VectorOperators.FMA, wf, b2);
        b3 = g3.lanewise(VectorOperators.FMA, wf, b3);
      }
      a0.intoArray(out0, c);
      a1.intoArray(out0, c + lanes);
      a2.intoArray(out0, c + 2 * lanes);
      a3.intoArray(out0, c + 3 * lanes);
      b0.intoArray(out1, c);
      b1.intoArray(out1, c + lanes);
      b2.intoArray(out1, c + 2 * lanes);
      b3.intoArray(out1, c + 3 * lanes);
    }
    if (c < k) {
      // The few columns past the last block of four vectors: as symv does them, one vector at a time.
      symvColumns(v0, off0, out0, c);
      symvColumns(v1, off1, out1, c);
    }
  }

  /** Σ a[aOff+f]·b[bOff+f] over the rank, with the Vector API. */
  static float dot(float[] a, int aOff, float[] b, int bOff, int k) {
    int f = 0;
    int bound = S.loopBound(k);
    float sum = 0;
    if (bound > 0) {
      FloatVector acc = FloatVector.zero(S);
      for (; f < bound; f += S.length()) {
        acc = FloatVector.fromArray(S, a, aOff + f).lanewise(VectorOperators.FMA, FloatVector.fromArray(S, b, bOff + f), acc);
      }
      sum = acc.reduceLanes(VectorOperators.ADD);
    }
    for (; f < k; f++) {
      sum += a[aOff + f] * b[bOff + f];
    }
    return sum;
  }

  /** y[yOff ..] += s · x[xOff ..] over the rank, with the Vector API. */
  static void axpy(float s, float[] x, int xOff, float[] y, int yOff, int k) {
    int f = 0;
    int bound = S.loopBound(k);
    if (bound > 0) {
      FloatVector sv = FloatVector.broadcast(S, s);
      for (; f < bound; f += S.length()) {
        FloatVector.fromArray(S, x, xOff + f).lanewise(VectorOperators.FMA, sv, FloatVector.fromArray(S, y, yOff + f)).intoArray(y, yOff + f);
      }
    }
    for (; f < k; f++) {
      y[yOff + f] += s * x[xOff + f];
    }
  }

  private float dot(float[] a, int aOff, float[] b, int bOff) {
    return dot(a, aOff, b, bOff, k);
  }

  private void axpy(float s, float[] x, int xOff, float[] y, int yOff) {
    axpy(s, x, xOff, y, yOff, k);
  }

  /**
   * Adds Σ v vᵀ over {@code rows} row-major vectors of {@code v} to {@code gram} (double, k x k):
   * accumulated in float over chunks of 256 rows, then added in double, so precision does not
   * depend on the number of rows.
   */
  public static void addGram(float[] v, int rows, int k, double[] gram) {
    float[] chunk = new float[k * k];
    for (int start = 0; start < rows; start += 256) {
      java.util.Arrays.fill(chunk, 0);
      int end = Math.min(rows, start + 256);
      for (int row = start; row < end; row++) {
        int off = row * k;
        for (int f = 0; f < k; f++) {
          axpy(v[off + f], v, off, chunk, f * k, k);
        }
      }
      for (int i = 0; i < k * k; i++) {
        gram[i] += chunk[i];
      }
    }
  }
}
