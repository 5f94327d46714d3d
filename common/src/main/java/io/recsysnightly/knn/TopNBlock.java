package io.recsysnightly.knn;

import java.util.Arrays;

/**
 * The top-N lists of a block of queries, kept as primitive arrays, sorted by decreasing score
 * (ties: smaller id first) once scoring is finished.
 *
 * <p>Each entry is one {@code long}: the score's bits made order-preserving in the high half, the
 * id reversed in the low half, so "better" (higher score, then smaller id) is simply "greater".
 *
 * <p>While scoring, each query has a buffer of {@code 2N + 32} entries and a threshold key. A
 * candidate that reaches the threshold is appended (a store, no heap walk). When the buffer is full
 * it is pruned in two branch-free passes: a pivot is picked from a sample of the buffer so that a
 * little over N entries are at least as good (never fewer than N: a pivot that fails is lowered and
 * counted again), those are kept and the pivot becomes the threshold.
 * No entry below the pivot can be in the final top N (at least N entries beat it), so the result is
 * exact; the buffer only trades a heap's per-candidate sift (a chain of dependent loads and a
 * mispredicted branch) for a cheap append and an occasional linear pass. At the end the survivors
 * are sorted and cut to N.
 *
 * <p>{@link #threshold(int)} is the score a candidate must reach to be worth offering (minus infinity
 * at first). Kernels compare whole vectors of scores against it and only call {@link #offer} for the
 * few that reach it, so most scores cost one compare. Offers may come in any item order: ties are
 * settled by id, so the result does not depend on the order.
 */
public final class TopNBlock {
  private final int n;
  private final int capacity;
  private final long[] buffer;
  private final int[] sizes;
  private final float[] thresholds;
  private final long[] thresholdKeys;
  private final long[] sample = new long[SAMPLE];
  private final KeySort sorter = new KeySort();
  /** Lists in use: 0 .. queries (at most sizes.length, see {@link #reuse}). */
  private int queries;
  private boolean finished;

  private static final int SAMPLE = 32;

  public TopNBlock(int queries, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, was " + n);
    }
    this.n = n;
    this.capacity = Math.multiplyExact(n, 2) + SAMPLE;
    this.buffer = new long[Math.multiplyExact(queries, capacity)];
    this.sizes = new int[queries];
    this.thresholds = new float[queries];
    this.thresholdKeys = new long[queries];
    this.queries = queries;
    Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
    Arrays.fill(thresholdKeys, Long.MIN_VALUE);
  }

  /**
   * Empty lists for {@code queries} queries: {@code old} emptied when it has room for them with the
   * same n, else a new block with room for {@code max(queries, room)}. A kernel keeps one block for all its calls: a block of 1024 queries is
   * 1.9 MB at N = 100, which the G1 collector allocates as a humongous object, and one per call was
   * measured to slow the selection by up to 2x once the heap was busy (after Spark's own ALS jobs).
   */
  static TopNBlock reuse(TopNBlock old, int queries, int n, int room) {
    if (old == null || old.n != n || old.sizes.length < queries) {
      TopNBlock fresh = new TopNBlock(Math.max(queries, room), n);
      fresh.queries = queries;
      return fresh;
    }
    old.queries = queries;
    old.finished = false;
    Arrays.fill(old.sizes, 0, queries, 0);
    Arrays.fill(old.thresholds, 0, queries, Float.NEGATIVE_INFINITY);
    Arrays.fill(old.thresholdKeys, 0, queries, Long.MIN_VALUE);
    return old;
  }

  public int queries() {
    return queries;
  }

  public int n() {
    return n;
  }

  /** Length of the list of {@code query} (after {@link TopNKernel#finish}). */
  public int size(int query) {
    return sizes[query];
  }

  /** Item id at a position of a sorted list (after scoring is finished). */
  public int id(int query, int position) {
    return idOf(buffer[query * capacity + position]);
  }

  /** Score at a position of a sorted list (after scoring is finished). */
  public float score(int query, int position) {
    return scoreOf(buffer[query * capacity + position]);
  }

  /** The lowest score that can still enter the list of {@code query}. */
  float threshold(int query) {
    return thresholds[query];
  }

  /**
   * Starts the list of {@code query} at {@code threshold} instead of minus infinity: only scores at
   * or above it are kept. Exact only if at least N items reach it (see {@link #isShort}).
   */
  void startAt(int query, float threshold) {
    thresholds[query] = threshold;
    thresholdKeys[query] = key(threshold, Integer.MAX_VALUE); // the lowest key of that score: ties enter
  }

  /** Whether the list of {@code query} holds fewer than N entries (before {@link #sortAll}). */
  boolean isShort(int query) {
    return sizes[query] < n;
  }

  /** Empties the list of {@code query} and lowers its threshold to minus infinity, to score it again. */
  void restart(int query) {
    sizes[query] = 0;
    thresholds[query] = Float.NEGATIVE_INFINITY;
    thresholdKeys[query] = Long.MIN_VALUE;
  }

  // ---------------------------------------------------------------- keys

  /** Orders like (score, then smaller id): a greater key is a better entry. */
  static long key(float score, int id) {
    int bits = Float.floatToRawIntBits(score + 0.0f); // + 0.0f turns -0.0 into +0.0: they tie
    int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
    return ((long) sortable << 32) | (~(id ^ Integer.MIN_VALUE) & 0xffffffffL);
  }

  static float scoreOf(long key) {
    int sortable = (int) (key >> 32);
    return Float.intBitsToFloat(sortable ^ ((sortable >> 31) & 0x7fffffff));
  }

  static int idOf(long key) {
    return ~((int) key) ^ Integer.MIN_VALUE;
  }

  // ---------------------------------------------------------------- scoring

  /** Offers a candidate; it is kept if it is at least as good as the threshold. NaN scores never enter. */
  void offer(int q, int id, float score) {
    if (score != score) {
      return;
    }
    long k = key(score, id);
    if (k < thresholdKeys[q]) {
      return;
    }
    int size = sizes[q];
    if (size == capacity) {
      size = prune(q, size, n + n / 8);
      sizes[q] = size;
      if (k < thresholdKeys[q]) {
        return;
      }
    }
    buffer[q * capacity + size] = k;
    sizes[q] = size + 1;
  }

  /**
   * Keeps the entries at least as good as a pivot that about {@code target} of them reach (at least
   * {@code n}), and makes it the threshold; returns the new size.
   */
  private int prune(int q, int size, int target) {
    int base = q * capacity;
    final long[] b = buffer;
    // A sample of the buffer, spread over it; the pivot is the sample's order statistic expected to
    // have about `target` entries at or above it. If fewer than n reach it, step down the sample.
    int step = size / SAMPLE;
    for (int i = 0; i < SAMPLE; i++) {
      sample[i] = b[base + i * step];
    }
    int pos = SAMPLE - 1 - (int) ((long) SAMPLE * target / size);
    while (true) {
      if (pos < 0) {
        return size; // cannot happen with capacity > n + sample, kept for safety
      }
      long pivot = select(sample, SAMPLE, pos);
      int count = 0;
      for (int i = 0; i < size; i++) {
        count += b[base + i] >= pivot ? 1 : 0;
      }
      if (count >= n) {
        int w = base;
        for (int i = base; i < base + size; i++) {
          long v = b[i];
          b[w] = v;
          w += v >= pivot ? 1 : 0;
        }
        thresholdKeys[q] = pivot;
        thresholds[q] = scoreOf(pivot);
        return w - base;
      }
      pos -= 1 + SAMPLE / 8;
    }
  }

  /** The k-th smallest of {@code a[0 .. len)} (0-based), reordering {@code a}: Hoare's selection. */
  static long select(long[] a, int len, int k) {
    int lo = 0;
    int hi = len - 1;
    while (lo < hi) {
      long pivot = a[(lo + hi) >>> 1];
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (a[i] < pivot) {
          i++;
        }
        while (a[j] > pivot) {
          j--;
        }
        if (i <= j) {
          long t = a[i];
          a[i] = a[j];
          a[j] = t;
          i++;
          j--;
        }
      }
      if (k <= j) {
        hi = j;
      } else if (k >= i) {
        lo = i;
      } else {
        return a[k];
      }
    }
    return a[k];
  }

  /** Cuts every list to its best n, sorted best first; idempotent. */
  void sortAll() {
    if (finished) {
      return;
    }
    finished = true;
    for (int q = 0; q < queries; q++) {
      int base = q * capacity;
      int size = sizes[q];
      if (size > 2 * n) { // a prune costs more than bucket-sorting a few dozen more entries
        size = prune(q, size, n + n / 16);
      }
      sorter.sortDescending(buffer, base, size);
      int keep = Math.min(n, size);
      sizes[q] = keep;
    }
  }

  /** Copies the sorted list of {@code query} into {@code idsOut}/{@code scoresOut}; returns its length. */
  public int copy(int query, int[] idsOut, float[] scoresOut) {
    int size = sizes[query];
    int base = query * capacity;
    for (int p = 0; p < size; p++) {
      idsOut[p] = idOf(buffer[base + p]);
      scoresOut[p] = scoreOf(buffer[base + p]);
    }
    return size;
  }
}
