package io.recsysnightly.knn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The scoring kernel on the Vector API (jdk.incubator.vector), with the selection fused in.
 *
 * <p>A register block of 4 queries x 2 item tiles ({@code 2 * LANES} items) keeps 8 accumulators
 * in vector registers: each step over the rank loads two item vectors and broadcasts four query
 * coordinates, 8 fused multiply-adds for 6 loads. The resulting 4 x 2 vectors of scores are compared
 * straight from the registers with the queries' thresholds ({@link TopNBlock#threshold}), one test for
 * the four; only when a lane reaches its threshold are the scores stored and the lanes that passed
 * offered to the candidate lists. The score matrix is never written to memory, so there is no buffer
 * to size and nothing to read back.
 *
 * <p>Items are visited tile pair by tile pair (outer loop) and, for each, every query of the block
 * (inner loop): the tile pair (2 x lanes x rank floats) stays in L1 and the query block in L2.
 *
 * <p>Only loaded when the jdk.incubator.vector module is present (see {@link TopNKernel.Backend}).
 */
final class VectorKernel {
  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  static final int LANES = SPECIES.length();

  /**
   * Queries scored together against all the rows before moving to the next ones: 64 queries' candidate
   * buffers (4N + 32 longs each) stay in L2 while the item tiles stream through.
   */
  private static final int SUB_BLOCK = 64;

  private VectorKernel() {}

  /**
   * Scores queries {@code 0 .. count} of {@code q} (row-major, {@code rank} floats each) against packed
   * rows {@code rowStart .. rowEnd} (a whole number of tile pairs) and offers the scores that reach
   * their query's threshold. Query u's list is {@code slots[u]} (or u when slots is null), and so is
   * its sorted seen list {@code seen[slot]} (null: nothing seen).
   *
   * @param tmp scratch of at least {@code 8 * LANES} floats
   */
  static void scoreSelect(PackedItems p, int rowStart, int rowEnd, float[] q, int count, int[] slots,
      int[][] seen, TopNBlock out, float[] tmp) {
    for (int u0 = 0; u0 < count; u0 += SUB_BLOCK) {
      scoreSelect(p, rowStart, rowEnd, q, u0, Math.min(count, u0 + SUB_BLOCK), slots, seen, out, tmp);
    }
  }

  /** Queries {@code uStart .. uEnd} against the rows: their candidate buffers stay in L2 throughout. */
  private static void scoreSelect(PackedItems p, int rowStart, int rowEnd, float[] q, int uStart, int uEnd,
      int[] slots, int[][] seen, TopNBlock out, float[] tmp) {
    final int rank = p.rank;
    final float[] a = p.data;
    final int step = 2 * LANES;
    for (int r = rowStart; r < rowEnd; r += step) {
      final int a0 = r * rank;
      final int a1 = a0 + LANES * rank;
      int u = uStart;
      for (; u + 4 <= uEnd; u += 4) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES);
        FloatVector c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES);
        FloatVector c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES);
        FloatVector c31 = FloatVector.zero(SPECIES);
        final int qb = u * rank;
        for (int k = 0; k < rank; k++) {
          FloatVector x0 = FloatVector.fromArray(SPECIES, a, a0 + k * LANES);
          FloatVector x1 = FloatVector.fromArray(SPECIES, a, a1 + k * LANES);
          int qk = qb + k;
          FloatVector b = FloatVector.broadcast(SPECIES, q[qk]);
          c00 = x0.fma(b, c00);
          c01 = x1.fma(b, c01);
          b = FloatVector.broadcast(SPECIES, q[qk + rank]);
          c10 = x0.fma(b, c10);
          c11 = x1.fma(b, c11);
          b = FloatVector.broadcast(SPECIES, q[qk + 2 * rank]);
          c20 = x0.fma(b, c20);
          c21 = x1.fma(b, c21);
          b = FloatVector.broadcast(SPECIES, q[qk + 3 * rank]);
          c30 = x0.fma(b, c30);
          c31 = x1.fma(b, c31);
        }
        // One test for the four queries: the largest margin of any score over its query's threshold.
        // (c >= t implies c - t >= 0 and conversely, so this is exactly "some lane reaches".)
        FloatVector margin = c00.max(c01).sub(out.threshold(slot(slots, u)))
            .max(c10.max(c11).sub(out.threshold(slot(slots, u + 1))))
            .max(c20.max(c21).sub(out.threshold(slot(slots, u + 2))))
            .max(c30.max(c31).sub(out.threshold(slot(slots, u + 3))));
        if (margin.compare(VectorOperators.GE, 0f).anyTrue()) {
          c00.intoArray(tmp, 0);
          c01.intoArray(tmp, LANES);
          c10.intoArray(tmp, 2 * LANES);
          c11.intoArray(tmp, 3 * LANES);
          c20.intoArray(tmp, 4 * LANES);
          c21.intoArray(tmp, 5 * LANES);
          c30.intoArray(tmp, 6 * LANES);
          c31.intoArray(tmp, 7 * LANES);
          offerQuad(p, r, tmp, slots, u, seen, out);
        }
      }
      for (; u < uEnd; u++) {
        FloatVector c0 = FloatVector.zero(SPECIES);
        FloatVector c1 = FloatVector.zero(SPECIES);
        final int qb = u * rank;
        for (int k = 0; k < rank; k++) {
          FloatVector b = FloatVector.broadcast(SPECIES, q[qb + k]);
          c0 = FloatVector.fromArray(SPECIES, a, a0 + k * LANES).fma(b, c0);
          c1 = FloatVector.fromArray(SPECIES, a, a1 + k * LANES).fma(b, c1);
        }
        int s = slots == null ? u : slots[u];
        if (reaches(c0, c1, out.threshold(s))) {
          c0.intoArray(tmp, 0);
          c1.intoArray(tmp, LANES);
          offerLanes(p, r, tmp, 0, step, s, seen, out);
        }
      }
    }
  }

  private static int slot(int[] slots, int u) {
    return slots == null ? u : slots[u];
  }

  /** The rare path of a query quad: each query's 2 x LANES scores (in {@code tmp}) offered in turn. */
  private static void offerQuad(PackedItems p, int row0, float[] tmp, int[] slots, int u, int[][] seen,
      TopNBlock out) {
    final int width = 2 * LANES;
    for (int i = 0; i < 4; i++) {
      offerLanes(p, row0, tmp, i * width, width, slot(slots, u + i), seen, out);
    }
  }

  private static boolean reaches(FloatVector c0, FloatVector c1, float threshold) {
    // max(c0, c1) reaches it iff a lane of either does (a NaN lane makes the max NaN, which reaches nothing).
    return c0.max(c1).compare(VectorOperators.GE, threshold).anyTrue();
  }

  /**
   * The rare path, after a vector of scores reached the threshold (they are stored in {@code tmp}):
   * offers each lane that still reaches it, unless the item is skipped or seen by the query.
   */
  static void offerLanes(PackedItems p, int row0, float[] tmp, int offset, int width, int slot, int[][] seenBySlot,
      TopNBlock out) {
    float threshold = out.threshold(slot);
    long bits = 0;
    for (int j = 0; j < width; j++) {
      bits |= (tmp[offset + j] >= threshold ? 1L : 0L) << j; // no branch: which lanes pass is unpredictable
    }
    while (bits != 0) {
      int j = Long.numberOfTrailingZeros(bits);
      bits &= bits - 1;
      float score = tmp[offset + j];
      if (score >= out.threshold(slot)) { // the threshold rises as lanes get in
        p.offer(row0 + j, score, slot, seenBySlot, out);
      }
    }
  }

  /**
   * The scoring alone, for measurements: writes the score of query u and packed row {@code rowStart + j}
   * to {@code c[u * ldc + j]}, as an sgemm would.
   */
  static void gemm(PackedItems p, int rowStart, int rowEnd, float[] q, int count, float[] c, int ldc) {
    final int rank = p.rank;
    final float[] a = p.data;
    final int step = 2 * LANES;
    for (int r = rowStart; r < rowEnd; r += step) {
      final int a0 = r * rank;
      final int a1 = a0 + LANES * rank;
      final int col = r - rowStart;
      int u = 0;
      for (; u + 4 <= count; u += 4) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES);
        FloatVector c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES);
        FloatVector c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES);
        FloatVector c31 = FloatVector.zero(SPECIES);
        final int qb = u * rank;
        for (int k = 0; k < rank; k++) {
          FloatVector x0 = FloatVector.fromArray(SPECIES, a, a0 + k * LANES);
          FloatVector x1 = FloatVector.fromArray(SPECIES, a, a1 + k * LANES);
          int qk = qb + k;
          FloatVector b = FloatVector.broadcast(SPECIES, q[qk]);
          c00 = x0.fma(b, c00);
          c01 = x1.fma(b, c01);
          b = FloatVector.broadcast(SPECIES, q[qk + rank]);
          c10 = x0.fma(b, c10);
          c11 = x1.fma(b, c11);
          b = FloatVector.broadcast(SPECIES, q[qk + 2 * rank]);
          c20 = x0.fma(b, c20);
          c21 = x1.fma(b, c21);
          b = FloatVector.broadcast(SPECIES, q[qk + 3 * rank]);
          c30 = x0.fma(b, c30);
          c31 = x1.fma(b, c31);
        }
        int o = u * ldc + col;
        c00.intoArray(c, o);
        c01.intoArray(c, o + LANES);
        o += ldc;
        c10.intoArray(c, o);
        c11.intoArray(c, o + LANES);
        o += ldc;
        c20.intoArray(c, o);
        c21.intoArray(c, o + LANES);
        o += ldc;
        c30.intoArray(c, o);
        c31.intoArray(c, o + LANES);
      }
      for (; u < count; u++) {
        FloatVector c0 = FloatVector.zero(SPECIES);
        FloatVector c1 = FloatVector.zero(SPECIES);
        final int qb = u * rank;
        for (int k = 0; k < rank; k++) {
          FloatVector b = FloatVector.broadcast(SPECIES, q[qb + k]);
          c0 = FloatVector.fromArray(SPECIES, a, a0 + k * LANES).fma(b, c0);
          c1 = FloatVector.fromArray(SPECIES, a, a1 + k * LANES).fma(b, c1);
        }
        c0.intoArray(c, u * ldc + col);
        c1.intoArray(c, u * ldc + col + LANES);
      }
    }
  }
}
