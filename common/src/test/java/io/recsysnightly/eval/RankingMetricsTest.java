package io.recsysnightly.eval;

import static io.recsysnightly.eval.RankingMetrics.HIT_RATE;
import static io.recsysnightly.eval.RankingMetrics.MAP;
import static io.recsysnightly.eval.RankingMetrics.NDCG;
import static io.recsysnightly.eval.RankingMetrics.PRECISION;
import static io.recsysnightly.eval.RankingMetrics.RECALL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Hand-worked examples of the per-user metrics; the arithmetic is in the comments. */
class RankingMetricsTest {
  private static final double EPS = 1e-12;

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  private static void assertMetrics(double precision, double recall, double ndcg, double ap, double hit,
      double[] m) {
    assertEquals(5, m.length);
    assertEquals(precision, m[PRECISION], EPS, "precision");
    assertEquals(recall, m[RECALL], EPS, "recall");
    assertEquals(ndcg, m[NDCG], EPS, "ndcg");
    assertEquals(ap, m[MAP], EPS, "ap");
    assertEquals(hit, m[HIT_RATE], EPS, "hit");
  }

  @Test
  void namesMatchIndices() {
    assertArrayEquals(new String[] {"precision", "recall", "ndcg", "map", "hit_rate"}, RankingMetrics.NAMES);
    assertEquals(0, PRECISION);
    assertEquals(1, RECALL);
    assertEquals(2, NDCG);
    assertEquals(3, MAP);
    assertEquals(4, HIT_RATE);
  }

  @Test
  void twoHitsInFour() {
    // ranked [5, 1, 9, 3], relevant {1, 3, 7}, K = 4: hits at ranks 2 (item 1) and 4 (item 3).
    // precision = 2/4 = 0.5; recall = 2/3
    // DCG = 1/log2(2+1) + 1/log2(4+1) = 1/log2(3) + 1/log2(5)
    // IDCG over min(K, |rel|) = 3 positions = 1/log2(2) + 1/log2(3) + 1/log2(4) = 1 + 0.6309 + 0.5
    // AP = (precision@2 + precision@4) / min(K, |rel|) = (1/2 + 2/4) / 3 = 1/3
    double dcg = 1 / log2(3) + 1 / log2(5);
    double idcg = 1 + 1 / log2(3) + 0.5;
    double[] m = RankingMetrics.forUser(new int[] {5, 1, 9, 3}, new int[] {1, 3, 7}, 4);
    assertMetrics(0.5, 2.0 / 3, dcg / idcg, 1.0 / 3, 1, m);
    assertEquals(0.49819, m[NDCG], 1e-5); // (0.63093 + 0.43068) / 2.13093
  }

  @Test
  void relevantGivenInAnyOrder() {
    // Same case as above with the relevant ids unsorted: the metrics cannot depend on their order.
    double[] sorted = RankingMetrics.forUser(new int[] {5, 1, 9, 3}, new int[] {1, 3, 7}, 4);
    double[] unsorted = RankingMetrics.forUser(new int[] {5, 1, 9, 3}, new int[] {7, 3, 1}, 4);
    assertArrayEquals(sorted, unsorted, EPS);
  }

  @Test
  void inputArraysAreNotModified() {
    int[] ranked = {5, 1, 9, 3};
    int[] relevant = {7, 3, 1};
    RankingMetrics.forUser(ranked, relevant, 4);
    assertArrayEquals(new int[] {5, 1, 9, 3}, ranked);
    assertArrayEquals(new int[] {7, 3, 1}, relevant);
  }

  @Test
  void fewerRelevantThanK() {
    // ranked [4, 8, 2, 6, 0], relevant {2}, K = 5: one hit at rank 3.
    // precision = 1/5; recall = 1/1
    // DCG = 1/log2(4) = 0.5; IDCG over min(5, 1) = 1 position = 1/log2(2) = 1 -> NDCG = 0.5
    // AP = (1/3) / min(5, 1) = 1/3
    assertMetrics(0.2, 1, 0.5, 1.0 / 3, 1, RankingMetrics.forUser(new int[] {4, 8, 2, 6, 0}, new int[] {2}, 5));
  }

  @Test
  void listShorterThanK() {
    // ranked [3, 7], relevant {7, 9, 11, 13}, K = 5: one hit at rank 2; the 3 missing positions are misses.
    // precision = 1/5 (divided by K, not by the list length); recall = 1/4
    // DCG = 1/log2(3); IDCG over min(5, 4) = 4 positions = 1 + 1/log2(3) + 1/2 + 1/log2(5)
    // AP = (1/2) / min(5, 4) = 1/8
    double idcg = 1 + 1 / log2(3) + 0.5 + 1 / log2(5);
    assertMetrics(0.2, 0.25, (1 / log2(3)) / idcg, 0.125, 1,
        RankingMetrics.forUser(new int[] {3, 7}, new int[] {7, 9, 11, 13}, 5));
  }

  @Test
  void emptyList() {
    // No list at all: every metric 0 (precision 0/K, recall 0/|rel|, DCG 0, AP 0, no hit).
    assertMetrics(0, 0, 0, 0, 0, RankingMetrics.forUser(new int[0], new int[] {1, 2}, 3));
  }

  @Test
  void noHits() {
    // ranked [1, 2, 3], relevant {4, 5}, K = 3: nothing relevant -> all zero.
    assertMetrics(0, 0, 0, 0, 0, RankingMetrics.forUser(new int[] {1, 2, 3}, new int[] {4, 5}, 3));
  }

  @Test
  void perfectList() {
    // ranked [6, 2, 9], relevant {2, 6, 9}, K = 3: hits at 1, 2, 3.
    // precision = 3/3 = 1; recall = 3/3 = 1; DCG = IDCG -> NDCG = 1; AP = (1/1 + 2/2 + 3/3) / 3 = 1
    assertMetrics(1, 1, 1, 1, 1, RankingMetrics.forUser(new int[] {6, 2, 9}, new int[] {2, 6, 9}, 3));
    // Perfect with fewer relevant than K: ranked [8, 5, 1, 0], relevant {8, 5}, K = 4.
    // precision = 2/4; recall = 1; NDCG = (1 + 1/log2 3) / (1 + 1/log2 3) = 1; AP = (1/1 + 2/2) / 2 = 1
    assertMetrics(0.5, 1, 1, 1, 1, RankingMetrics.forUser(new int[] {8, 5, 1, 0}, new int[] {8, 5}, 4));
  }

  @Test
  void kSmallerThanList() {
    // ranked [5, 1, 9, 3], relevant {1, 3, 7}, K = 2: only [5, 1] counts; the hit on 3 at rank 4 does not.
    // precision = 1/2; recall = 1/3
    // DCG = 1/log2(3); IDCG over min(2, 3) = 2 positions = 1 + 1/log2(3)
    // AP = (1/2) / min(2, 3) = 1/4
    double ndcg = (1 / log2(3)) / (1 + 1 / log2(3));
    assertMetrics(0.5, 1.0 / 3, ndcg, 0.25, 1, RankingMetrics.forUser(new int[] {5, 1, 9, 3}, new int[] {1, 3, 7}, 2));
    // K = 1: [5] -> no hit at all although the list has two.
    assertMetrics(0, 0, 0, 0, 0, RankingMetrics.forUser(new int[] {5, 1, 9, 3}, new int[] {1, 3, 7}, 1));
  }

  @Test
  void singleHitAtTheTop() {
    // ranked [7, 1, 2], relevant {7, 8}, K = 3: hit at rank 1 only.
    // precision = 1/3; recall = 1/2; DCG = 1; IDCG = 1 + 1/log2(3); AP = (1/1) / 2 = 1/2
    assertMetrics(1.0 / 3, 0.5, 1 / (1 + 1 / log2(3)), 0.5, 1,
        RankingMetrics.forUser(new int[] {7, 1, 2}, new int[] {7, 8}, 3));
  }

  @Test
  void emptyRelevantIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> RankingMetrics.forUser(new int[] {1, 2}, new int[0], 2));
  }
}
