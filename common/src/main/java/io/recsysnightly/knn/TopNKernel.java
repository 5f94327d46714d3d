package io.recsysnightly.knn;

import java.util.Locale;

/**
 * Exact top-N by dot product for blocks of query vectors against one item matrix: the one kernel
 * interface behind candidates, similar items, evaluation, the approximate mode and the benchmark.
 * A block of queries is scored against the items with a level-3 product and a bounded candidate list
 * per query ({@link TopNBlock}) keeps the best N, so most scores cost a single compare against the
 * query's threshold. Items a query has seen (a sorted int array per query) and excluded items
 * (blocked, unavailable) never enter a list; they are only looked at for the rare scores that reach
 * the threshold.
 *
 * <p>Two backends compute the same lists ({@link Backend}): a Vector API kernel with the selection
 * fused into the product (the default, several times faster than netlib's sgemm on this shape), and
 * netlib's sgemm into a score buffer of {@code blockSize x itemChunk} floats followed by a scan.
 * Memory is the packed item matrix plus, per block, the queries and their candidate lists (and for
 * sgemm the score buffer), whatever the number of users.
 *
 * <p>Ties in score go to the smaller item id, so results are deterministic. Not thread-safe: one
 * kernel per thread (they may share a {@link PackedItems}).
 */
public final class TopNKernel {
  /** Which implementation scores. */
  public enum Backend {
    /** VECTOR when the jdk.incubator.vector module is loaded, else SGEMM. */
    AUTO,
    /** {@link VectorKernel}: jdk.incubator.vector, selection fused into the product. */
    VECTOR,
    /** {@link SgemmKernel}: netlib sgemm into a buffer, then a threshold scan. */
    SGEMM;

    public static Backend parse(String name) {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    }

    /** AUTO made concrete for this JVM. */
    public Backend resolve() {
      if (this != AUTO) {
        if (this == VECTOR && !vectorApiPresent()) {
          throw new IllegalStateException("The vector kernel needs the JVM option --add-modules=jdk.incubator.vector");
        }
        return this;
      }
      return vectorApiPresent() ? VECTOR : SGEMM;
    }

    /** Lanes of the packing this backend reads (1: row-major). */
    public int lanes() {
      return resolve() == VECTOR ? VectorKernel.LANES : 1;
    }

    private static boolean vectorApiPresent() {
      return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }
  }

  private final PackedItems items;
  private final Backend backend;
  private final int chunkRows;
  private final int blockSize;
  private WarmStart warm;
  private int warmN = -1;
  private long rescored;
  private float[] buffer;
  private final float[] tmp;
  /** The lists {@link #topN} returns, reused from call to call. */
  private TopNBlock lists;
  /** The lists are sized for min(blockSize, this) queries, or more if a call needs it. */
  private static final int MAX_ROOM = 4096;

  /**
   * @param items item vectors, row-major {@code numItems x rank}, rows in increasing item id order
   * @param itemIds the item id of each row, strictly increasing
   * @param excluded rows never returned (may be null)
   * @param scoreBufferFloats most floats one score buffer may hold (the sgemm backend's memory budget)
   * @param blockSize the largest number of queries that will be scored together
   */
  public TopNKernel(float[] items, int[] itemIds, boolean[] excluded, int rank, long scoreBufferFloats,
      int blockSize) {
    this(items, itemIds, excluded, rank, scoreBufferFloats, blockSize, Backend.AUTO);
  }

  public TopNKernel(float[] items, int[] itemIds, boolean[] excluded, int rank, long scoreBufferFloats,
      int blockSize, Backend backend) {
    this(pack(items, itemIds, excluded, rank, backend), scoreBufferFloats, blockSize);
  }

  /** A kernel over an already packed matrix; the backend follows the packing (lanes 1: sgemm). */
  public TopNKernel(PackedItems items, long scoreBufferFloats, int blockSize) {
    this.items = items;
    if (items.lanes == 1) {
      this.backend = Backend.SGEMM;
    } else {
      this.backend = Backend.VECTOR.resolve();
      if (items.lanes != VectorKernel.LANES) {
        throw new IllegalArgumentException("items were packed for " + items.lanes + " lanes, this JVM has "
            + VectorKernel.LANES);
      }
    }
    long chunk = Math.max(1, Math.min(Math.max(1, items.rows), scoreBufferFloats / Math.max(1, blockSize)));
    this.chunkRows = (int) chunk;
    this.blockSize = blockSize;
    this.tmp = new float[256];
  }

  /** Packs a row-major item matrix (rows in increasing id order) for {@code backend}. */
  public static PackedItems pack(float[] items, int[] itemIds, boolean[] excluded, int rank, Backend backend) {
    if (items.length != (long) itemIds.length * rank) {
      throw new IllegalArgumentException("items has " + items.length + " floats, expected " + itemIds.length
          + " x " + rank);
    }
    for (int i = 1; i < itemIds.length; i++) {
      if (itemIds[i] <= itemIds[i - 1]) {
        throw new IllegalArgumentException("itemIds must be strictly increasing");
      }
    }
    return PackedItems.pack(items, itemIds, excluded, rank, backend.lanes());
  }

  public int numItems() {
    return items.items;
  }

  public Backend backend() {
    return backend;
  }

  public PackedItems items() {
    return items;
  }

  /**
   * Scores {@code count} queries (row-major {@code count x rank}) and returns, per query, up to
   * {@code n} (item id, score) pairs in decreasing score order. {@code seen[q]} lists the item ids
   * query q must not get, sorted ascending (null or empty: none). The result is valid until the next
   * call on this kernel, which reuses its memory.
   */
  public TopNBlock topN(float[] queries, int count, int[][] seen, int n) {
    lists = TopNBlock.reuse(lists, count, n, Math.min(blockSize, MAX_ROOM));
    TopNBlock out = lists;
    if (count > 0) {
      WarmStart warm = warmStart(n);
      if (warm != null) {
        float[] start = warm.thresholds(queries, count);
        for (int q = 0; q < count; q++) {
          out.startAt(q, start[q]);
        }
      }
      for (int g = 0; g < items.groups(); g++) {
        score(g, queries, count, null, seen, out);
      }
      if (warm != null) {
        rescoreShortLists(queries, count, seen, out);
      }
    }
    out.sortAll();
    return out;
  }

  /** The warm start for top-{@code n} (built once per n), or null when it does not pay. */
  private WarmStart warmStart(int n) {
    if (warmN != n) {
      warm = WarmStart.of(items, n, blockSize);
      warmN = n;
    }
    return warm;
  }

  /** Scores again, from minus infinity, the queries whose warm start let fewer than N items in. */
  private void rescoreShortLists(float[] queries, int count, int[][] seen, TopNBlock out) {
    int rank = items.rank;
    int[] slots = new int[count];
    int m = 0;
    for (int q = 0; q < count; q++) {
      if (out.isShort(q)) {
        slots[m++] = q;
      }
    }
    rescored += m;
    if (m == 0) {
      return;
    }
    float[] gathered = new float[m * rank];
    for (int j = 0; j < m; j++) {
      out.restart(slots[j]);
      System.arraycopy(queries, slots[j] * rank, gathered, j * rank, rank);
    }
    for (int g = 0; g < items.groups(); g++) {
      score(g, gathered, m, slots, seen, out);
    }
  }

  /** Queries scored a second time because their warm start was too high (a measure of the start's cost). */
  public long rescored() {
    return rescored;
  }

  /**
   * Scores queries against the items of group {@code g} only, offering into the lists {@code slots[u]}
   * of {@code out} (u when null); {@code seenBySlot} is indexed by slot. Lists carry over between calls,
   * so a query can be scored against several groups (the approximate mode's probed clusters) before
   * {@link #finish}.
   */
  public void score(int g, float[] queries, int count, int[] slots, int[][] seenBySlot, TopNBlock out) {
    int start = items.groupStart[g];
    int end = items.groupStart[g + 1];
    if (count == 0 || start == end) {
      return;
    }
    if (backend == Backend.VECTOR) {
      VectorKernel.scoreSelect(items, start, end, queries, count, slots, seenBySlot, out, tmp);
    } else {
      int chunk = Math.min(chunkRows, end - start);
      if (buffer == null || buffer.length < (long) count * chunk) {
        buffer = new float[Math.multiplyExact(count, chunk)];
      }
      SgemmKernel.scoreSelect(items, start, end, queries, count, slots, seenBySlot, out, buffer, chunk);
    }
  }

  /** Sorts every list of {@code out}, best first: call once scoring is over. */
  public static void finish(TopNBlock out) {
    out.sortAll();
  }

  /**
   * The scoring alone, no selection: every item against the queries, {@code chunkRows} items at a time
   * into {@code c} ({@code count x chunkRows}, overwritten chunk after chunk, as an sgemm into a
   * cache-sized buffer would be). What the benchmark times as the product's rate.
   *
   * @param chunkRows a multiple of {@link #rowAlignment()}
   */
  public void scoreOnly(float[] queries, int count, float[] c, int chunkRows) {
    if (chunkRows % rowAlignment() != 0) {
      throw new IllegalArgumentException("chunkRows must be a multiple of " + rowAlignment());
    }
    for (int start = 0; start < items.rows; start += chunkRows) {
      int len = Math.min(chunkRows, items.rows - start);
      if (backend == Backend.VECTOR) {
        VectorKernel.gemm(items, start, start + len, queries, count, c, len);
      } else {
        SgemmKernel.gemm(items, start, len, queries, count, c);
      }
    }
  }

  /** Rows of the packing come in multiples of this (a vector tile pair, or 1 for sgemm). */
  public int rowAlignment() {
    return items.lanes == 1 ? 1 : 2 * items.lanes;
  }
}
