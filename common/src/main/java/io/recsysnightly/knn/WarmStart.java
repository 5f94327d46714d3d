package io.recsysnightly.knn;

/**
 * Starting thresholds for exact top-N, from a sample of the items: for each query, the k-th best
 * score among {@code sampleSize} items spread over the catalogue, with k chosen so that about 3N of
 * all items are expected to reach it. Scoring then offers only items at or above that score, instead
 * of every item that beats the running N-th best seen so far (about N(1 + ln(M/N)) of them, most of
 * which are later pushed out): the selection does a fraction of the work.
 *
 * <p>The start is only a guess, never trusted: a list that ends with fewer than N entries (fewer
 * than N items reached the guess, e.g. a query that saw most of the good ones) is scored again from
 * minus infinity by {@link TopNKernel#topN}. A list with N entries is exact: every item it misses
 * scored below the guess, hence below all N entries.
 */
final class WarmStart {
  /** Items expected to reach the start, as a multiple of N: enough that a rescore is rare. */
  private static final double EXPECTED_OVER_N = 3;
  private static final int MIN_SAMPLE = 256;

  private final TopNKernel sampleKernel;
  private final int sampleRows;
  private final int k;
  private float[] scores;

  private WarmStart(TopNKernel sampleKernel, int sampleRows, int k) {
    this.sampleKernel = sampleKernel;
    this.sampleRows = sampleRows;
    this.k = k;
  }

  /**
   * A warm start for top-{@code n} over {@code items}, or null where it does not pay: catalogues
   * under 8N scorable items (the start would be near the bottom anyway).
   */
  static WarmStart of(PackedItems items, int n, int blockSize) {
    int scorable = 0;
    for (int r = 0; r < items.rows; r++) {
      scorable += items.skip[r] ? 0 : 1;
    }
    if (scorable < 8L * n) {
      return null;
    }
    int align = items.lanes == 1 ? 1 : 2 * items.lanes;
    // At least MIN_SAMPLE items, and enough that k is at least 4 (a steadier order statistic).
    long wanted = Math.max(MIN_SAMPLE, (long) Math.ceil(4.0 * scorable / (EXPECTED_OVER_N * n)));
    int size = (int) Math.min(scorable / 2, wanted) / align * align;
    if (size < align) {
      return null;
    }
    int rank = items.rank;
    float[] vectors = new float[size * rank];
    int[] ids = new int[size];
    // Every (scorable / size)-th scorable row: rows are packed longest vector first, so this spreads
    // the sample over long and short vectors alike.
    double stride = (double) scorable / size;
    int taken = 0;
    int seenScorable = 0;
    for (int r = 0; r < items.rows && taken < size; r++) {
      if (items.skip[r]) {
        continue;
      }
      if (seenScorable++ >= (long) Math.floor(taken * stride)) {
        for (int f = 0; f < rank; f++) {
          vectors[taken * rank + f] = element(items, r, f);
        }
        ids[taken] = taken;
        taken++;
      }
    }
    int k = (int) Math.max(1, Math.round(EXPECTED_OVER_N * n * size / scorable));
    PackedItems sample = PackedItems.pack(vectors, ids, null, rank, items.lanes, identity(size),
        new int[] {0, size});
    return new WarmStart(new TopNKernel(sample, (long) size * blockSize, blockSize), size, k);
  }

  /** The starting threshold of each of {@code count} queries (row-major vectors). */
  float[] thresholds(float[] queries, int count) {
    if (scores == null || scores.length < count * sampleRows) {
      scores = new float[count * sampleRows];
    }
    sampleKernel.scoreOnly(queries, count, scores, sampleRows);
    float[] out = new float[count];
    boolean vector = sampleKernel.backend() == TopNKernel.Backend.VECTOR;
    float[] best = vector ? null : new float[k];
    for (int q = 0; q < count; q++) {
      out[q] = vector
          ? VectorKernel.kthLargestDistinct(scores, q * sampleRows, sampleRows, k)
          : kthLargest(scores, q * sampleRows, sampleRows, best);
    }
    return out;
  }

  /** The k-th largest of {@code a[from .. from + len)} (k = best.length), by insertion into {@code best}. */
  static float kthLargest(float[] a, int from, int len, float[] best) {
    int k = best.length;
    java.util.Arrays.fill(best, Float.NEGATIVE_INFINITY);
    for (int i = from; i < from + len; i++) {
      float v = a[i];
      if (v > best[k - 1]) { // NaN never enters
        int j = k - 1;
        while (j > 0 && best[j - 1] < v) {
          best[j] = best[j - 1];
          j--;
        }
        best[j] = v;
      }
    }
    return best[k - 1];
  }

  private static float element(PackedItems p, int row, int f) {
    if (p.lanes == 1) {
      return p.data[row * p.rank + f];
    }
    return p.data[(row / p.lanes) * p.lanes * p.rank + f * p.lanes + row % p.lanes];
  }

  private static int[] identity(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }
}
