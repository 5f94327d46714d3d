package io.recsysnightly.knn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link KeySort} against {@link Arrays#sort} reversed, on spreads that fill the buckets unevenly. */
class KeySortTest {

  private static void assertSortsLikeArraysSort(long[] keys, String what) {
    long[] expected = keys.clone();
    Arrays.sort(expected);
    for (int i = 0, j = expected.length - 1; i < j; i++, j--) {
      long t = expected[i];
      expected[i] = expected[j];
      expected[j] = t;
    }
    // Sorted in the middle of a larger array, as a list is in a block's buffer.
    long[] buffer = new long[keys.length + 10];
    Arrays.fill(buffer, 42L);
    System.arraycopy(keys, 0, buffer, 5, keys.length);
    new KeySort().sortDescending(buffer, 5, keys.length);
    assertArrayEquals(expected, Arrays.copyOfRange(buffer, 5, 5 + keys.length), what);
    for (int i = 0; i < 5; i++) {
      assertArrayEquals(new long[] {42L, 42L}, new long[] {buffer[i], buffer[buffer.length - 1 - i]}, what + ": outside");
    }
  }

  private static long[] keys(float[] scores, Random rnd) {
    long[] keys = new long[scores.length];
    for (int i = 0; i < scores.length; i++) {
      keys[i] = TopNBlock.key(scores[i], rnd.nextInt());
    }
    return keys;
  }

  @Test
  void randomKeysOfEveryLength() {
    Random rnd = new Random(1);
    for (int len = 0; len <= 300; len++) {
      long[] keys = new long[len];
      for (int i = 0; i < len; i++) {
        keys[i] = rnd.nextLong();
      }
      assertSortsLikeArraysSort(keys, "length " + len);
    }
  }

  @Test
  void scoreSpreadsThatFillBucketsUnevenly() {
    Random rnd = new Random(2);
    int len = 160;
    float[][] spreads = new float[6][len];
    for (int i = 0; i < len; i++) {
      spreads[0][i] = 3.5f; // one score: everything in one bucket, ordered by id alone
      spreads[1][i] = i == 0 ? 1e30f : (float) rnd.nextGaussian(); // one outlier squeezes the rest together
      spreads[2][i] = (float) Math.exp(rnd.nextGaussian() * 10); // many binades
      spreads[3][i] = rnd.nextInt(4) - 1.5f; // few distinct scores, both signs
      spreads[4][i] = new float[] {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f,
          Float.MIN_VALUE, -Float.MAX_VALUE}[rnd.nextInt(6)];
      spreads[5][i] = 2f + i * 1e-6f; // a narrow range, already in increasing order
    }
    for (int s = 0; s < spreads.length; s++) {
      assertSortsLikeArraysSort(keys(spreads[s], rnd), "spread " + s);
    }
  }
}
