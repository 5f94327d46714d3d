package io.recsysnightly.knn;

/**
 * Top-N for blocks of queries against one {@link ItemSide}, without Spark: what each task runs, and
 * what the benchmark's roof runs on plain threads, so both time the very same code.
 *
 * <p>Exact: one kernel call per block over all items. Approximate (IVF): the block's queries are
 * first scored against the cluster centroids (the same kernel, top-{@code probes}); then, cluster by
 * cluster, the queries that probe it are gathered into a contiguous block and scored against that
 * cluster's items only, into their own candidate lists. Every product is still a block product.
 *
 * <p>Not thread-safe: one per thread (they may share the {@link ItemSide}).
 */
public final class BlockScorer {
  /** A block's candidate lists take at most this many longs (64 MB): large N shrinks the block. */
  private static final long BLOCK_BUDGET_LONGS = 8L << 20;
  /** Score buffer budget of the sgemm backend (floats per block). */
  private static final long SCORE_BUFFER_FLOATS = 4L << 20;

  private final ItemSide side;
  private final int n;
  private final int blockSize;
  private final TopNKernel kernel;
  private final TopNKernel centroidKernel;
  private float[] gathered;
  private int[] slots;
  /** The approximate mode's lists, reused from call to call (see {@link TopNBlock#reuse}). */
  private TopNBlock lists;

  public BlockScorer(ItemSide side, int n, int blockSize, TopNKernel.Backend backend) {
    this(side, side.pack(backend.resolve()), n, blockSize, backend);
  }

  /** With an already packed item matrix (the roof packs once for all its threads). */
  public BlockScorer(ItemSide side, PackedItems packed, int n, int blockSize, TopNKernel.Backend backend) {
    this.side = side;
    this.n = n;
    this.blockSize = effectiveBlockSize(blockSize, n);
    this.kernel = new TopNKernel(packed, SCORE_BUFFER_FLOATS, this.blockSize);
    this.centroidKernel = side.approximate()
        ? new TopNKernel(side.packCentroids(backend.resolve()), SCORE_BUFFER_FLOATS, this.blockSize) : null;
  }

  /** The block size actually used: the configured one, unless N is so large the lists would not fit the budget. */
  public static int effectiveBlockSize(int blockSize, int n) {
    long perQuery = 4L * n + 32;
    return (int) Math.max(1, Math.min(blockSize, BLOCK_BUDGET_LONGS / perQuery));
  }

  public static PackedItems pack(ItemSide side, TopNKernel.Backend backend) {
    return side.pack(backend.resolve());
  }

  public int blockSize() {
    return blockSize;
  }

  public int rank() {
    return side.rank;
  }

  public TopNKernel.Backend backend() {
    return kernel.backend();
  }

  /**
   * The finished top-N lists of {@code count <= blockSize()} queries (row-major vectors); {@code seen[q]}
   * is query q's sorted list of excluded ids (null: none). Valid until the next call, which reuses
   * the memory.
   */
  public TopNBlock score(float[] queries, int count, int[][] seen) {
    if (!side.approximate()) {
      return kernel.topN(queries, count, seen, n);
    }
    lists = TopNBlock.reuse(lists, count, n, blockSize);
    TopNBlock out = lists;
    if (count == 0) {
      return out;
    }
    int clusters = side.clusters();
    int probes = Math.min(side.probes, clusters);
    TopNBlock probe = centroidKernel.topN(queries, count, null, probes);
    // Inverted lists: the queries of the block that probe each cluster (counting sort by cluster).
    int[] start = new int[clusters + 1];
    for (int q = 0; q < count; q++) {
      for (int p = 0; p < probe.size(q); p++) {
        start[probe.id(q, p) + 1]++;
      }
    }
    for (int c = 0; c < clusters; c++) {
      start[c + 1] += start[c];
    }
    int total = start[clusters];
    if (slots == null || slots.length < total) {
      slots = new int[total];
    }
    int[] fill = start.clone();
    for (int q = 0; q < count; q++) {
      for (int p = 0; p < probe.size(q); p++) {
        slots[fill[probe.id(q, p)]++] = q;
      }
    }
    int rank = side.rank;
    if (gathered == null || gathered.length < count * rank) {
      gathered = new float[blockSize * rank];
    }
    int[] clusterSlots = new int[count];
    for (int c = 0; c < clusters; c++) {
      int m = start[c + 1] - start[c];
      if (m == 0) {
        continue;
      }
      for (int j = 0; j < m; j++) {
        int q = slots[start[c] + j];
        clusterSlots[j] = q;
        System.arraycopy(queries, q * rank, gathered, j * rank, rank);
      }
      kernel.score(c, gathered, m, clusterSlots, seen, out);
    }
    TopNKernel.finish(out);
    return out;
  }
}
