package io.recsysnightly.knn;

import java.util.Arrays;

/**
 * Sorts candidate keys ({@link TopNBlock#key}) best first, for the final lists. A list is a hundred or
 * so keys whose scores are spread fairly evenly over a narrow range, and a comparison sort of that
 * mispredicts a branch on about every other comparison (it was a quarter of the selection's time).
 * So the keys are first distributed into as many buckets as there are keys by the linear position of
 * their score bits between the lowest and the highest (a counting pass and a scatter, no data-dependent
 * branch), which leaves them nearly sorted, and an insertion sort settles each bucket's few keys.
 * Skewed scores only make buckets fuller: the result is sorted whatever the spread.
 */
final class KeySort {
  /** Below this, a comparison sort is as fast. */
  private static final int MIN_BUCKETED = 32;

  private long[] scratch = new long[0];
  private int[] bucketOf = new int[0];
  private int[] starts = new int[0];

  /** Sorts {@code a[from .. from + len)} into decreasing order. */
  void sortDescending(long[] a, int from, int len) {
    if (len < MIN_BUCKETED) {
      Arrays.sort(a, from, from + len);
      reverse(a, from, len);
      return;
    }
    ensure(len);
    int lo = Integer.MAX_VALUE;
    int hi = Integer.MIN_VALUE;
    for (int i = from; i < from + len; i++) {
      int h = (int) (a[i] >> 32); // the score's order-preserving bits
      lo = Math.min(lo, h);
      hi = Math.max(hi, h);
    }
    // Bucket 0 holds the highest scores; (h - lo) * scale is below len for every h.
    double scale = len / ((double) hi - lo + 1);
    Arrays.fill(starts, 0, len + 1, 0);
    for (int i = 0; i < len; i++) {
      int b = len - 1 - (int) (((int) (a[from + i] >> 32) - (double) lo) * scale);
      bucketOf[i] = b;
      starts[b + 1]++;
    }
    for (int b = 0; b < len; b++) {
      starts[b + 1] += starts[b];
    }
    for (int i = 0; i < len; i++) {
      scratch[starts[bucketOf[i]]++] = a[from + i];
    }
    for (int i = 1; i < len; i++) {
      long v = scratch[i];
      int j = i - 1;
      while (j >= 0 && scratch[j] < v) {
        scratch[j + 1] = scratch[j];
        j--;
      }
      scratch[j + 1] = v;
    }
    System.arraycopy(scratch, 0, a, from, len);
  }

  private void ensure(int len) {
    if (scratch.length < len) {
      scratch = new long[len];
      bucketOf = new int[len];
      starts = new int[len + 1];
    }
  }

  private static void reverse(long[] a, int from, int len) {
    for (int i = from, j = from + len - 1; i < j; i++, j--) {
      long t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
