package io.recsysnightly.knn;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The hardware roof for a shape: the same kernel as the candidates stage, on plain Java threads over
 * arrays, no Spark. Users are split into one contiguous range per thread; each thread scores its
 * range block by block and copies every list into preallocated result arrays (its sink). Also times
 * the scoring alone (no selection), with the vector kernel and with netlib's sgemm, for the same shape. The
 * candidates bench times it beside ours; {@link RoofProbe} times it inside a run.
 */
public final class Roof {
  private final ItemSide side;
  private final float[] users;
  private final int count;
  private final int rank;
  private final int n;
  private final int blockSize;
  private final int threads;

  public Roof(ItemSide side, float[] users, int count, int n, int blockSize, int threads) {
    this.side = side;
    this.users = users;
    this.count = count;
    this.rank = side.rank();
    this.n = n;
    this.blockSize = blockSize;
    this.threads = threads;
  }

  /** Score and select every user, results copied out: seconds of one run. */
  public double full(TopNKernel.Backend backend) throws Exception {
    PackedItems packed = BlockScorer.pack(side, backend);
    int[] outIds = new int[count * n];
    float[] outScores = new float[count * n];
    return parallel(lo -> hi -> {
      BlockScorer scorer = new BlockScorer(side, packed, n, blockSize, backend);
      int block = scorer.blockSize();
      float[] q = new float[block * rank];
      int[] ids = new int[n];
      float[] scores = new float[n];
      for (int s = lo; s < hi; s += block) {
        int c = Math.min(block, hi - s);
        System.arraycopy(users, s * rank, q, 0, c * rank);
        TopNBlock result = scorer.score(q, c, null);
        for (int u = 0; u < c; u++) {
          int size = result.copy(u, ids, scores);
          System.arraycopy(ids, 0, outIds, (s + u) * n, size);
          System.arraycopy(scores, 0, outScores, (s + u) * n, size);
        }
      }
    });
  }

  /** The product alone, into a cache-sized score buffer per thread: seconds of one run. */
  public double scoringOnly(TopNKernel.Backend backend) throws Exception {
    PackedItems packed = BlockScorer.pack(side, backend);
    return parallel(lo -> hi -> {
      TopNKernel kernel = new TopNKernel(packed, 1L << 22, blockSize);
      int chunk = 2048 - 2048 % kernel.rowAlignment();
      float[] c = new float[blockSize * chunk];
      float[] q = new float[blockSize * rank];
      for (int s = lo; s < hi; s += blockSize) {
        int m = Math.min(blockSize, hi - s);
        System.arraycopy(users, s * rank, q, 0, m * rank);
        kernel.scoreOnly(q, m, c, chunk);
      }
    });
  }

  private interface Range {
    Body from(int lo);
  }

  private interface Body {
    void to(int hi) throws Exception;
  }

  private double parallel(Range work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "bench-roof");
      t.setDaemon(true);
      return t;
    });
    try {
      long t0 = System.nanoTime();
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int lo = (int) ((long) count * t / threads);
        int hi = (int) ((long) count * (t + 1) / threads);
        futures.add(pool.submit(() -> {
          work.from(lo).to(hi);
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      return (System.nanoTime() - t0) / 1e9;
    } finally {
      pool.shutdownNow();
    }
  }
}
