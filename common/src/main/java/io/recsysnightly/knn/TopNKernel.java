package io.recsysnightly.knn;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Exact top-N by dot product for blocks of query vectors against one item matrix: a level-3 sgemm
 * scores a block of queries against a chunk of items, then a bounded min-heap per query keeps the
 * best N, so most scores cost a single compare against the heap's minimum. Items a query has seen
 * (a sorted int array per query) and excluded items (blocked, unavailable) never enter a heap.
 * Memory is the score buffer, {@code blockSize * itemChunk} floats, whatever the number of users.
 *
 * <p>Ties in score go to the smaller item index, so results are deterministic.
 */
public final class TopNKernel {
  private final float[] items;
  private final int[] itemIds;
  private final boolean[] excluded;
  private final int numItems;
  private final int rank;
  private final int itemChunk;
  private final BLAS blas = BLAS.getInstance();

  /**
   * @param items item vectors, row-major {@code numItems x rank}, rows in increasing item id order
   * @param itemIds the item id of each row, strictly increasing
   * @param excluded rows never returned (may be null)
   * @param scoreBufferFloats most floats one score buffer may hold (the memory budget of a block)
   * @param blockSize the largest number of queries that will be scored together
   */
  public TopNKernel(float[] items, int[] itemIds, boolean[] excluded, int rank, long scoreBufferFloats,
      int blockSize) {
    if (items.length != (long) itemIds.length * rank) {
      throw new IllegalArgumentException("items has " + items.length + " floats, expected " + itemIds.length
          + " x " + rank);
    }
    for (int i = 1; i < itemIds.length; i++) {
      if (itemIds[i] <= itemIds[i - 1]) {
        throw new IllegalArgumentException("itemIds must be strictly increasing");
      }
    }
    this.items = items;
    this.itemIds = itemIds;
    this.excluded = excluded;
    this.numItems = itemIds.length;
    this.rank = rank;
    this.itemChunk = (int) Math.max(1, Math.min(numItems, scoreBufferFloats / Math.max(1, blockSize)));
  }

  public int numItems() {
    return numItems;
  }

  /**
   * Scores {@code count} queries (row-major {@code count x rank}) and returns, per query, up to
   * {@code n} (item id, score) pairs in decreasing score order. {@code seen[q]} lists the item ids
   * query q must not get, sorted ascending (null or empty: none).
   */
  public TopNBlock topN(float[] queries, int count, int[][] seen, int n) {
    TopNBlock out = new TopNBlock(count, n);
    if (numItems == 0 || count == 0) {
      return out;
    }
    float[] scores = new float[count * Math.min(itemChunk, numItems)];
    int[] seenCursor = new int[count];
    for (int start = 0; start < numItems; start += itemChunk) {
      int len = Math.min(itemChunk, numItems - start);
      // Column-major view: items chunk is (rank x len), queries (rank x count); C = itemsᵀ·Q is
      // (len x count), i.e. row-major (count x len): one contiguous run of scores per query.
      blas.sgemm("T", "N", len, count, rank, 1f, items, start * rank, rank, queries, 0, rank, 0f, scores, 0, len);
      for (int q = 0; q < count; q++) {
        seenCursor[q] = select(scores, q * len, start, len, seen == null ? null : seen[q], seenCursor[q], out, q);
      }
    }
    out.sortAll();
    return out;
  }

  /** Offers one query's scores for rows {@code start .. start+len} to its heap; returns the seen cursor. */
  private int select(float[] scores, int offset, int start, int len, int[] seen, int cursor, TopNBlock out,
      int q) {
    int[] skip = seen == null ? EMPTY : seen;
    int s = cursor;
    for (int j = 0; j < len; j++) {
      int row = start + j;
      int id = itemIds[row];
      while (s < skip.length && skip[s] < id) {
        s++;
      }
      if (s < skip.length && skip[s] == id) {
        continue;
      }
      if (excluded != null && excluded[row]) {
        continue;
      }
      out.offer(q, id, scores[offset + j]);
    }
    return s;
  }

  private static final int[] EMPTY = new int[0];
}
