package io.recsysnightly.rerank;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Turns one user's candidate list into the published list: drops unavailable and blocked items,
 * adjusts each score for freshness and popularity, then picks the list greedily by maximal marginal
 * relevance under the per-category cap, and says why each item is there. Pure Java, so the same
 * code runs in the Spark step and in tests on hand-built lists.
 */
public final class ListReranker implements Serializable {
  public static final String BECAUSE = "because you interacted with ";
  public static final String POPULAR_IN = "popular in ";
  public static final String POPULAR = "popular";

  private final RerankRules rules;
  private final ItemCatalog catalog;

  /** One published entry: {@code score} is the value the item was picked with, non-increasing down the list. */
  public record Entry(int item, double score, int rank, String reason) {}

  private record Pick(int position, double value) {}

  public ListReranker(RerankRules rules, ItemCatalog catalog) {
    this.rules = rules;
    this.catalog = catalog;
  }

  /** The candidate's score with the freshness boost added and the popularity penalty taken off. */
  public double adjustedScore(int item, double score) {
    double s = score;
    if (rules.freshnessWeight() > 0 && !Double.isNaN(catalog.ageDays(item))) {
      s += rules.freshnessWeight() * Math.pow(2, -catalog.ageDays(item) / rules.freshnessHalfLifeDays());
    }
    if (rules.popularityBeta() > 0) {
      // ln(1 + p): an item nobody interacted with (a category-mean vector) gets no penalty, not -infinity.
      s -= rules.popularityBeta() * Math.log1p(catalog.popularity(item));
    }
    return s;
  }

  /**
   * @param items candidate item indices, best first; {@code scores} their candidate scores
   * @param interacted the user's interacted items (empty for a cold user)
   * @param blocked true for items the blocklist (may) hold
   */
  public List<Entry> rerank(int[] items, float[] scores, int[] interacted, IntPredicate blocked) {
    int n = 0;
    int[] kept = new int[items.length];
    double[] relevance = new double[items.length];
    for (int i = 0; i < items.length; i++) {
      if (catalog.available(items[i]) && !blocked.test(items[i])) {
        kept[n] = items[i];
        relevance[n++] = adjustedScore(items[i], scores[i]);
      }
    }
    List<Entry> out = new ArrayList<>();
    for (Pick pick : select(kept, relevance, n)) {
      int item = kept[pick.position()];
      out.add(new Entry(item, pick.value(), out.size() + 1, reason(item, interacted)));
    }
    return out;
  }

  /**
   * Greedy MMR: at each step the candidate with the best {@code lambda * relevance - (1 - lambda) *
   * max(0, max cosine to the items already picked)} among those whose category is not yet at its
   * cap; ties go to the lower item index. A candidate's value can only fall as the list grows, so
   * the picked values are non-increasing. With lambda 1 this is the order of relevance.
   *
   * @return the picks in order: position in {@code items} and the value it was picked with
   */
  private List<Pick> select(int[] items, double[] relevance, int n) {
    double lambda = rules.mmrLambda();
    boolean diversify = rules.diversifies();
    int cap = rules.categoryCap();
    double[] maxSim = new double[n];
    boolean[] taken = new boolean[n];
    int[] perCategory = new int[Math.max(1, categoryCount(items, n))];
    List<Pick> picks = new ArrayList<>();
    while (picks.size() < rules.listSize()) {
      int best = -1;
      double bestValue = 0;
      for (int c = 0; c < n; c++) {
        if (taken[c] || (cap > 0 && catalog.category(items[c]) >= 0
            && perCategory[catalog.category(items[c])] >= cap)) {
          continue;
        }
        double value = diversify ? lambda * relevance[c] - (1 - lambda) * maxSim[c] : relevance[c];
        if (best < 0 || value > bestValue || (value == bestValue && items[c] < items[best])) {
          best = c;
          bestValue = value;
        }
      }
      if (best < 0) {
        break;
      }
      taken[best] = true;
      if (catalog.category(items[best]) >= 0) {
        perCategory[catalog.category(items[best])]++;
      }
      if (diversify && catalog.hasVector(items[best])) {
        for (int c = 0; c < n; c++) {
          if (!taken[c] && catalog.hasVector(items[c])) {
            maxSim[c] = Math.max(maxSim[c], catalog.cosine(items[c], items[best]));
          }
        }
      }
      picks.add(new Pick(best, bestValue));
    }
    return picks;
  }

  private int categoryCount(int[] items, int n) {
    int max = -1;
    for (int c = 0; c < n; c++) {
      max = Math.max(max, catalog.category(items[c]));
    }
    return max + 1;
  }

  /**
   * "because you interacted with X", X the interacted item most similar (cosine) to {@code item},
   * ties to the lower index; for a user without interactions (or none with a vector), the item's
   * category.
   */
  public String reason(int item, int[] interacted) {
    int best = -1;
    double bestSim = 0;
    if (catalog.hasVector(item)) {
      for (int j : interacted) {
        if (!catalog.hasVector(j)) {
          continue;
        }
        double sim = catalog.cosine(item, j);
        if (best < 0 || sim > bestSim || (sim == bestSim && j < best)) {
          best = j;
          bestSim = sim;
        }
      }
    }
    if (best >= 0) {
      return BECAUSE + catalog.id(best);
    }
    String category = catalog.categoryName(item);
    return category == null ? POPULAR : POPULAR_IN + category;
  }
}
