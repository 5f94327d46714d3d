package io.recsysnightly.knn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The scoring kernel on the Vector API (jdk.incubator.vector), with the selection fused in.
 *
 * <p>A register block of 4 queries x 2 item tiles ({@code 2 * LANES} items) keeps 8 accumulators
 * in vector registers: each step over the rank loads two item vectors and broadcasts four query
 * coordinates, 8 fused multiply-adds for 6 loads. The resulting 4 x 2 vectors of scores are compared
 * straight from the registers with the queries' thresholds ({@link TopNBlock#threshold}), giving a
 * word of bits per query with the lanes that reach it; only when a bit is set are the scores stored
 * and those lanes offered to the candidate lists. The score matrix is never written to memory, so
 * there is no buffer to size and nothing to read back.
 *
 * <p>Items are visited tile pair by tile pair (outer loop) and, for each, every query of the block
 * (inner loop): the tile pair (2 x lanes x rank floats) stays in L1 and the query block in L2.
 *
 * <p>Only loaded when the jdk.incubator.vector module is present (see {@link TopNKernel.Backend}).
 */
final class VectorKernel {
  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  static final int LANES = SPECIES.length();
  /** Items in a tile pair, the columns of a register block: at most 32 for floats. */
  private static final int WIDTH = 2 * LANES;
  /** Lane j holds bit j, of the first tile of a pair. */
  private static final IntVector LOW_BITS = laneBits(0);
  /** Lane j holds bit LANES + j, of the second tile. */
  private static final IntVector HIGH_BITS = laneBits(LANES);
  private static final long ALL_BITS = (1L << WIDTH) - 1;

  /**
   * Queries scored together against all the rows before moving to the next ones: 64 queries' candidate
   * buffers (2N + 32 longs each) stay in L2 while the item tiles stream through.
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
        // Which lanes may reach their query's threshold, as bits (see passing), computed straight from
        // the registers for the four queries: with N = 100 of 10,000 items most quads hold a passing
        // lane, so a cheap "any?" test first would rarely save the work. Written out rather than
        // called: a call here passes C2's inlining budget for this method and the vectors get boxed.
        float t0 = out.threshold(slot(slots, u));
        float t1 = out.threshold(slot(slots, u + 1));
        float t2 = out.threshold(slot(slots, u + 2));
        float t3 = out.threshold(slot(slots, u + 3));
        IntVector f0 = c00.sub(t0).reinterpretAsInts().lanewise(VectorOperators.ASHR, 31).and(LOW_BITS)
            .or(c01.sub(t0).reinterpretAsInts().lanewise(VectorOperators.ASHR, 31).and(HIGH_BITS));
        IntVector f1 = c10.sub(t1).reinterpretAsInts().lanewise(VectorOperators.ASHR, 31).and(LOW_BITS)
            .or(c11.sub(t1).reinterpretAsInts().lanewise(VectorOperators.ASHR, 31).and(HIGH_BITS));
        IntVector f2 = c20.sub(t2).reinterpretAsInts().lanewise(VectorOperators.ASHR, 31).and(LOW_BITS)
            .or(c21.sub(t2).reinterpretAsInts().lanewise(VectorOperators.ASHR, 31).and(HIGH_BITS));
        IntVector f3 = c30.sub(t3).reinterpretAsInts().lanewise(VectorOperators.ASHR, 31).and(LOW_BITS)
            .or(c31.sub(t3).reinterpretAsInts().lanewise(VectorOperators.ASHR, 31).and(HIGH_BITS));
        long first = (~f0.reduceLanes(VectorOperators.OR) & ALL_BITS)
            | (~f1.reduceLanes(VectorOperators.OR) & ALL_BITS) << WIDTH;
        long second = (~f2.reduceLanes(VectorOperators.OR) & ALL_BITS)
            | (~f3.reduceLanes(VectorOperators.OR) & ALL_BITS) << WIDTH;
        if ((first | second) != 0) {
          // Stored before the calls: a vector live across a call would be boxed too.
          c00.intoArray(tmp, 0);
          c01.intoArray(tmp, LANES);
          c10.intoArray(tmp, 2 * LANES);
          c11.intoArray(tmp, 3 * LANES);
          c20.intoArray(tmp, 4 * LANES);
          c21.intoArray(tmp, 5 * LANES);
          c30.intoArray(tmp, 6 * LANES);
          c31.intoArray(tmp, 7 * LANES);
          offerBits(p, r, tmp, 0, first, slots, u, seen, out);
          offerBits(p, r, tmp, 2 * WIDTH, second, slots, u + 2, seen, out);
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
        c0.intoArray(tmp, 0);
        c1.intoArray(tmp, LANES);
        offerBits(p, r, tmp, 0, passing(tmp, 0, out.threshold(slot(slots, u))), slots, u, seen, out);
      }
    }
  }

  /**
   * A lower bound of the k-th largest of {@code a[from .. from + len)} ({@code len} a multiple of
   * LANES): the k-th largest distinct value, found as k rounds of "the largest below the last one",
   * each a branch-free pass of vector maxima over the (cache-resident) sample. Equal values count
   * once, which only lowers the result; a NaN makes it NaN. Either is safe for a warm start, which
   * is a guess that must not be too high ({@link WarmStart}).
   */
  static float kthLargestDistinct(float[] a, int from, int len, int k) {
    final FloatVector none = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
    float below = Float.POSITIVE_INFINITY;
    for (int round = 0; round < k; round++) {
      FloatVector best = none;
      for (int i = from; i < from + len; i += LANES) {
        FloatVector v = FloatVector.fromArray(SPECIES, a, i);
        best = best.max(v.blend(none, v.compare(VectorOperators.GE, below)));
      }
      below = best.reduceLanes(VectorOperators.MAX);
    }
    return below;
  }

  private static IntVector laneBits(int shift) {
    int[] bits = new int[LANES];
    for (int j = 0; j < LANES; j++) {
      bits[j] = 1 << (shift + j);
    }
    return IntVector.fromArray(IntVector.SPECIES_PREFERRED.withShape(SPECIES.vectorShape()), bits, 0);
  }

  private static int slot(int[] slots, int u) {
    return slots == null ? u : slots[u];
  }

  /**
   * Offers the lanes of {@code bits} (bit {@code i * WIDTH + j}: lane j of query {@code u + i}, its
   * score at {@code tmp[offset + i * WIDTH + j]}) that still reach the threshold, which rises as
   * lanes get in, unless the item is skipped or seen by the query.
   */
  private static void offerBits(PackedItems p, int row0, float[] tmp, int offset, long bits, int[] slots, int u,
      int[][] seenBySlot, TopNBlock out) {
    while (bits != 0) {
      int b = Long.numberOfTrailingZeros(bits);
      bits &= bits - 1;
      int slot = slot(slots, u + b / WIDTH);
      float score = tmp[offset + b];
      if (score >= out.threshold(slot)) {
        p.offer(row0 + b % WIDTH, score, slot, seenBySlot, out);
      }
    }
  }

  /**
   * The lanes of one query's tile pair, stored at {@code tmp[offset ..]}, that may reach
   * {@code threshold}: bit j (first tile) or LANES + j (second) is set where {@code score - threshold}
   * has its sign bit clear. That is every score at or above the threshold (equal gives +0) and,
   * harmlessly, NaN, which {@link #offerBits} compares again. Integer lane operations (subtract,
   * arithmetic shift: -1 where the sign is set, and with the lane's bit, OR across lanes) rather than
   * a mask, because {@code VectorMask.toLong} is not intrinsified on JDK 17 (40 to 150 ns a call here).
   * The quad path of the kernel computes the same from its registers.
   */
  private static long passing(float[] tmp, int offset, float threshold) {
    IntVector fail0 = FloatVector.fromArray(SPECIES, tmp, offset).sub(threshold).reinterpretAsInts()
        .lanewise(VectorOperators.ASHR, 31).and(LOW_BITS);
    IntVector fail1 = FloatVector.fromArray(SPECIES, tmp, offset + LANES).sub(threshold).reinterpretAsInts()
        .lanewise(VectorOperators.ASHR, 31).and(HIGH_BITS);
    return ~fail0.or(fail1).reduceLanes(VectorOperators.OR) & ALL_BITS;
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
