package io.recsysnightly.knn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The candidate lists: key order, pruning under heavy ties, any offer order, NaN ignored. */
class TopNBlockTest {

  @Test
  void keysOrderByScoreThenSmallerId() {
    float[] scores = {Float.NEGATIVE_INFINITY, -1e30f, -2.5f, -1f, -Float.MIN_VALUE, 0f, Float.MIN_VALUE, 1f, 3.25f,
        1e30f, Float.POSITIVE_INFINITY};
    int[] ids = {Integer.MIN_VALUE, -7, 0, 1, 42, Integer.MAX_VALUE};
    List<long[]> keys = new ArrayList<>();
    for (float s : scores) {
      for (int id : ids) {
        long k = TopNBlock.key(s, id);
        assertEquals(s, TopNBlock.scoreOf(k));
        assertEquals(id, TopNBlock.idOf(k));
        keys.add(new long[] {k, Float.floatToIntBits(s), id});
      }
    }
    for (long[] a : keys) {
      for (long[] b : keys) {
        float sa = Float.intBitsToFloat((int) a[1]);
        float sb = Float.intBitsToFloat((int) b[1]);
        boolean better = sa > sb || (sa == sb && a[2] < b[2]);
        assertEquals(better, a[0] > b[0], sa + "/" + a[2] + " vs " + sb + "/" + b[2]);
      }
    }
    assertEquals(TopNBlock.key(0f, 3), TopNBlock.key(-0f, 3), "-0 and +0 tie");
  }

  /** Many offers (forcing many prunes), heavy ties, shuffled order: the result is the sorted top n. */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 5, 37, 100})
  void matchesSortingEverythingWhateverTheOrder(int n) {
    Random rnd = new Random(n);
    for (int trial = 0; trial < 20; trial++) {
      int count = rnd.nextInt(5000);
      List<float[]> offers = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        float score = trial % 2 == 0 ? rnd.nextInt(7) : (float) rnd.nextGaussian(); // ties, or none
        offers.add(new float[] {score, i});
      }
      List<float[]> expected = new ArrayList<>(offers);
      expected.sort((a, b) -> a[0] != b[0] ? Float.compare(b[0], a[0]) : Float.compare(a[1], b[1]));
      Collections.shuffle(offers, rnd);
      TopNBlock block = new TopNBlock(3, n);
      for (float[] o : offers) {
        block.offer(1, (int) o[1], o[0]);
        if (rnd.nextInt(50) == 0) {
          block.offer(1, -1, Float.NaN); // ignored
        }
      }
      block.sortAll();
      assertEquals(0, block.size(0));
      assertEquals(0, block.size(2));
      assertEquals(Math.min(n, count), block.size(1));
      for (int p = 0; p < block.size(1); p++) {
        assertEquals(expected.get(p)[0], block.score(1, p), "n " + n + " position " + p);
        assertEquals((int) expected.get(p)[1], block.id(1, p), "n " + n + " position " + p);
      }
    }
  }

  @Test
  void thresholdRisesOnlyOnceTheListIsFull() {
    TopNBlock block = new TopNBlock(1, 3);
    assertEquals(Float.NEGATIVE_INFINITY, block.threshold(0));
    for (int i = 0; i < 100; i++) {
      block.offer(0, i, i);
    }
    assertTrue(block.threshold(0) > Float.NEGATIVE_INFINITY && block.threshold(0) <= 97,
        "a lower bound of the final 3rd best: " + block.threshold(0));
    block.sortAll();
    assertEquals(99, block.id(0, 0));
    assertEquals(97, block.id(0, 2));
  }

  @Test
  void aReusedBlockStartsEmptyAndKeepsItsMemoryOnlyWhenItFits() {
    TopNBlock block = TopNBlock.reuse(null, 3, 2, 5);
    assertEquals(3, block.queries());
    for (int q = 0; q < 3; q++) {
      for (int i = 0; i < 50; i++) {
        block.offer(q, i, i * (q + 1));
      }
    }
    block.sortAll();
    assertEquals(2, block.size(2));
    TopNBlock again = TopNBlock.reuse(block, 5, 2, 5);
    assertTrue(again == block, "room for 5 lists of 2: the same memory");
    assertEquals(5, again.queries());
    for (int q = 0; q < 5; q++) {
      assertEquals(Float.NEGATIVE_INFINITY, again.threshold(q));
    }
    again.offer(4, 7, 1f);
    again.offer(0, 9, 2f);
    again.sortAll();
    assertEquals(1, again.size(0));
    assertEquals(9, again.id(0, 0));
    assertEquals(0, again.size(1));
    assertEquals(7, again.id(4, 0));
    assertTrue(TopNBlock.reuse(again, 6, 2, 0) != again, "no room for 6");
    assertTrue(TopNBlock.reuse(again, 2, 3, 0) != again, "another n");
  }
}
