package io.recsysnightly.knn;

/**
 * The top-N lists of a block of queries, kept as primitive arrays: one bounded min-heap of
 * (score, id) per query while scoring, sorted by decreasing score (ties: smaller id first) at the end.
 */
public final class TopNBlock {
  private final int n;
  private final int[] ids;
  private final float[] scores;
  private final int[] sizes;

  TopNBlock(int queries, int n) {
    this.n = n;
    this.ids = new int[queries * n];
    this.scores = new float[queries * n];
    this.sizes = new int[queries];
  }

  public int size(int query) {
    return sizes[query];
  }

  public int id(int query, int position) {
    return ids[query * n + position];
  }

  public float score(int query, int position) {
    return scores[query * n + position];
  }

  /** Offers a candidate; when the heap is full only a strictly better score gets in (one compare). */
  void offer(int q, int id, float score) {
    int base = q * n;
    int size = sizes[q];
    if (size < n) {
      int i = size;
      sizes[q] = size + 1;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (!worse(score, id, scores[base + parent], ids[base + parent])) {
          break;
        }
        scores[base + i] = scores[base + parent];
        ids[base + i] = ids[base + parent];
        i = parent;
      }
      scores[base + i] = score;
      ids[base + i] = id;
    } else if (score > scores[base]) {
      siftDown(base, size, score, id);
    }
  }

  /** Places (score, id) at the root position and sifts it down a heap of {@code size}. */
  private void siftDown(int base, int size, float score, int id) {
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && worse(scores[base + child + 1], ids[base + child + 1], scores[base + child],
          ids[base + child])) {
        child++;
      }
      if (!worse(scores[base + child], ids[base + child], score, id)) {
        break;
      }
      scores[base + i] = scores[base + child];
      ids[base + i] = ids[base + child];
      i = child;
    }
    scores[base + i] = score;
    ids[base + i] = id;
  }

  /** Heap order: a lower score is worse; at equal scores a larger id is worse. */
  private static boolean worse(float s1, int id1, float s2, int id2) {
    return s1 < s2 || (s1 == s2 && id1 > id2);
  }

  /** Turns every heap into a list sorted best first (heap sort in place). */
  void sortAll() {
    for (int q = 0; q < sizes.length; q++) {
      int base = q * n;
      for (int end = sizes[q] - 1; end > 0; end--) {
        float s = scores[base + end];
        int id = ids[base + end];
        scores[base + end] = scores[base];
        ids[base + end] = ids[base];
        siftDown(base, end, s, id);
      }
    }
  }
}
