package io.recsysnightly.eval;

import java.util.Arrays;

/**
 * Ranking metrics of one user's list against their held-out items, binary relevance:
 * Precision@K = hits/K; Recall@K = hits/|relevant|; NDCG@K = DCG/IDCG with gain 1/log2(rank+1)
 * and IDCG over min(K, |relevant|) hits; AP@K = sum of precision at each hit / min(K, |relevant|);
 * hit = at least one hit. A list shorter than K counts its missing positions as misses.
 */
public final class RankingMetrics {
  public static final int PRECISION = 0;
  public static final int RECALL = 1;
  public static final int NDCG = 2;
  public static final int MAP = 3;
  public static final int HIT_RATE = 4;
  public static final String[] NAMES = {"precision", "recall", "ndcg", "map", "hit_rate"};

  private RankingMetrics() {}

  /**
   * @param ranked recommended item ids, best first (duplicates are not expected)
   * @param relevant held-out item ids (non-empty)
   * @param k cut-off
   * @return the five metrics indexed by the constants above
   */
  public static double[] forUser(int[] ranked, int[] relevant, int k) {
    if (relevant.length == 0) {
      throw new IllegalArgumentException("A user without held-out items has no metrics");
    }
    int[] rel = relevant.clone();
    Arrays.sort(rel);
    int hits = 0;
    double dcg = 0;
    double apSum = 0;
    for (int i = 0; i < Math.min(k, ranked.length); i++) {
      if (Arrays.binarySearch(rel, ranked[i]) >= 0) {
        hits++;
        dcg += 1.0 / log2(i + 2);
        apSum += (double) hits / (i + 1);
      }
    }
    int ideal = Math.min(k, rel.length);
    double idcg = 0;
    for (int i = 0; i < ideal; i++) {
      idcg += 1.0 / log2(i + 2);
    }
    double[] m = new double[NAMES.length];
    m[PRECISION] = (double) hits / k;
    m[RECALL] = (double) hits / rel.length;
    m[NDCG] = dcg / idcg;
    m[MAP] = apSum / ideal;
    m[HIT_RATE] = hits > 0 ? 1 : 0;
    return m;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
