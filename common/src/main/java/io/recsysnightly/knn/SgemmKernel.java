package io.recsysnightly.knn;

import dev.ludovic.netlib.blas.BLAS;

/**
 * The scoring kernel on netlib's {@code sgemm} (VectorBLAS, or a native BLAS when one is installed),
 * then a scan of the score buffer per query that offers only the scores reaching the query's threshold.
 * The fallback when the Vector API is not available, and the reference the benchmark compares with.
 */
final class SgemmKernel {
  private static final BLAS BLAS_INSTANCE = BLAS.getInstance();

  private SgemmKernel() {}

  /** Name of the BLAS implementation in use (e.g. VectorBLAS, JNIBLAS). */
  static String blasName() {
    return BLAS_INSTANCE.getClass().getSimpleName();
  }

  /**
   * Same contract as {@link VectorKernel#scoreSelect}, for a row-major packing ({@code lanes == 1}):
   * rows {@code rowStart .. rowEnd} are scored {@code chunkRows} at a time into {@code buffer}
   * (at least {@code count * chunkRows} floats).
   */
  static void scoreSelect(PackedItems p, int rowStart, int rowEnd, float[] q, int count, int[] slots,
      int[][] seen, TopNBlock out, float[] buffer, int chunkRows) {
    final int rank = p.rank;
    for (int start = rowStart; start < rowEnd; start += chunkRows) {
      int len = Math.min(chunkRows, rowEnd - start);
      gemm(p, start, len, q, count, buffer);
      for (int u = 0; u < count; u++) {
        int slot = slots == null ? u : slots[u];
        int offset = u * len;
        float threshold = out.threshold(slot);
        for (int j = 0; j < len; j++) {
          if (buffer[offset + j] >= threshold) {
            p.offer(start + j, buffer[offset + j], slot, seen, out);
            threshold = out.threshold(slot);
          }
        }
      }
    }
  }

  /**
   * Scores rows {@code start .. start+len} against the queries into {@code c}, row-major
   * {@code count x len}: one contiguous run of scores per query.
   */
  static void gemm(PackedItems p, int start, int len, float[] q, int count, float[] c) {
    // Column-major view: the rows are (rank x len), the queries (rank x count); C = rowsᵀ·Q is
    // (len x count) column-major, i.e. (count x len) row-major.
    BLAS_INSTANCE.sgemm("T", "N", len, count, p.rank, 1f, p.data, start * p.rank, p.rank, q, 0, p.rank, 0f, c, 0,
        len);
  }
}
