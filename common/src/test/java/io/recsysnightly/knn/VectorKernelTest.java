package io.recsysnightly.knn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The warm start's order statistic on the vector backend, against a sorted set of the values. */
class VectorKernelTest {

  @Test
  void kthLargestDistinctMatchesASortedSetOfTheValues() {
    Random rnd = new Random(5);
    int lanes = VectorKernel.LANES;
    for (int trial = 0; trial < 200; trial++) {
      int len = lanes * (1 + rnd.nextInt(20));
      float[] a = new float[len + 2 * lanes];
      boolean ties = trial % 2 == 0;
      for (int i = 0; i < a.length; i++) {
        a[i] = ties ? rnd.nextInt(12) : (float) rnd.nextGaussian();
      }
      int from = lanes * rnd.nextInt(3);
      TreeSet<Float> distinct = new TreeSet<>();
      for (int i = from; i < from + len; i++) {
        distinct.add(a[i]);
      }
      int k = 1 + rnd.nextInt(Math.min(10, distinct.size()));
      float expected = distinct.descendingSet().stream().skip(k - 1).findFirst().orElseThrow();
      assertEquals(expected, VectorKernel.kthLargestDistinct(a, from, len, k), "trial " + trial + ", k " + k);
      float[] best = new float[k];
      assertTrue(expected <= WarmStart.kthLargest(a, from, len, best), "never above the k-th with repeats");
    }
  }

  @Test
  void infinitiesAreSkippedAndNaNGivesNaN() {
    int lanes = VectorKernel.LANES;
    float[] a = new float[2 * lanes];
    for (int i = 0; i < a.length; i++) {
      a[i] = i;
    }
    a[3] = Float.POSITIVE_INFINITY;
    // +infinity is never below the first bound (itself): the result only gets lower, which is safe.
    assertEquals(a.length - 1, VectorKernel.kthLargestDistinct(a, 0, a.length, 1));
    a[5] = Float.NaN;
    assertTrue(Float.isNaN(VectorKernel.kthLargestDistinct(a, 0, a.length, 2)), "a NaN start reaches nothing");
  }
}
