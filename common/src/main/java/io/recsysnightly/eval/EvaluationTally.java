package io.recsysnightly.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything {@link FullEvaluator} reports, tallied over (model, user) rows in one pass: per model the
 * sums behind the per-K averages (with how many values each had: diversity and popularity are undefined
 * for an empty list), NDCG sums per segment and per activity bucket, how often each item is in a top K,
 * the held-out items, the scores of the focus K for the histogram, and the users with a list but no
 * held-out item. A partition's tally is a few arrays the size of the catalogue per model; tallies merge
 * in partition order, so the sums (and the metrics) are the same on every run.
 */
public final class EvaluationTally implements Serializable {
  static final String[] PER_K = {"precision", "recall", "ndcg", "map", "hit_rate", "diversity", "rec_pop"};
  private static final int DIVERSITY = 5;
  private static final int REC_POP = 6;

  private final EvalSpec spec;
  private final boolean[] detailed;
  final long[] users;
  final long[] skipped;
  /** [model][K index × PER_K + metric], then the held-out items' mean popularity last. */
  final double[][] sums;
  final long[][] present;
  /** Per model: segment (null for none) or bucket to {NDCG@focus sum, users}. */
  final List<Map<String, double[]>> bySegment = new ArrayList<>();
  final List<Map<String, double[]>> byBucket = new ArrayList<>();
  /** [model][K index][item]: evaluated users with the item in their top K. */
  final int[][][] exposure;
  /** Per item: held-out pairs (counted once, from the first model's rows). */
  final long[] heldOut;
  /** Per detailed model, the focus K's scores of the evaluated users' lists. */
  final float[][] scores;
  final int[] scoreCount;

  EvaluationTally(EvalSpec spec, boolean[] detailed, int items) {
    this.spec = spec;
    this.detailed = detailed.clone();
    int models = detailed.length;
    int columns = spec.ks().size() * PER_K.length + 1;
    users = new long[models];
    skipped = new long[models];
    sums = new double[models][columns];
    present = new long[models][columns];
    exposure = new int[models][spec.ks().size()][items];
    heldOut = new long[items];
    scores = new float[models][0];
    scoreCount = new int[models];
    for (int m = 0; m < models; m++) {
      bySegment.add(new HashMap<>());
      byBucket.add(new HashMap<>());
    }
  }

  /**
   * One (model, user) row.
   *
   * @param relevant the user's held-out items; null for a user with a list and nothing held out (skipped)
   * @param top the model's list, best first, at most the largest K; null when the model has no list for the user
   * @param focusScores the list's scores down to the focus K (null with no list)
   */
  void add(int model, int[] relevant, int[] top, float[] focusScores, String segment, long nTrain, ItemInfo info) {
    if (relevant == null) {
      skipped[model]++;
      return;
    }
    int[] list = top == null ? new int[0] : top;
    double trainUsers = Math.max(1, info.trainUsers());
    users[model]++;
    double[] sum = sums[model];
    long[] has = present[model];
    double holdPop = 0;
    for (int item : relevant) {
      holdPop += info.popularityOf(item) / trainUsers;
    }
    sum[sum.length - 1] += holdPop / relevant.length;
    has[has.length - 1]++;
    double focusNdcg = 0;
    for (int i = 0; i < spec.ks().size(); i++) {
      int k = spec.ks().get(i);
      double[] m = RankingMetrics.forUser(list, relevant, k);
      int base = i * PER_K.length;
      for (int j = 0; j < m.length; j++) {
        sum[base + j] += m[j];
        has[base + j]++;
      }
      if (k == spec.focusK()) {
        focusNdcg = m[RankingMetrics.NDCG];
      }
      int len = Math.min(k, list.length);
      if (len > 0) {
        Set<Integer> categories = new HashSet<>();
        double pop = 0;
        for (int p = 0; p < len; p++) {
          categories.add(info.categoryOf(list[p]));
          pop += info.popularityOf(list[p]) / trainUsers;
        }
        sum[base + DIVERSITY] += (double) categories.size() / len;
        sum[base + REC_POP] += pop / len;
        has[base + DIVERSITY]++;
        has[base + REC_POP]++;
      }
      int[] exposed = exposure[model][i];
      for (int p = 0; p < len; p++) {
        if (list[p] < exposed.length) {
          exposed[list[p]]++;
        }
      }
    }
    if (model == 0) {
      for (int item : relevant) {
        if (item < heldOut.length) {
          heldOut[item]++;
        }
      }
    }
    if (detailed[model]) {
      addToGroup(bySegment.get(model), segment, focusNdcg);
      addToGroup(byBucket.get(model), spec.bucket(nTrain), focusNdcg);
      if (focusScores != null) {
        appendScores(model, focusScores, focusScores.length);
      }
    }
  }

  /** Adds {@code other} (a later partition's tally) into this one. */
  EvaluationTally merge(EvaluationTally other) {
    for (int m = 0; m < users.length; m++) {
      users[m] += other.users[m];
      skipped[m] += other.skipped[m];
      for (int c = 0; c < sums[m].length; c++) {
        sums[m][c] += other.sums[m][c];
        present[m][c] += other.present[m][c];
      }
      mergeGroups(bySegment.get(m), other.bySegment.get(m));
      mergeGroups(byBucket.get(m), other.byBucket.get(m));
      for (int i = 0; i < exposure[m].length; i++) {
        for (int item = 0; item < exposure[m][i].length; item++) {
          exposure[m][i][item] += other.exposure[m][i][item];
        }
      }
      appendScores(m, other.scores[m], other.scoreCount[m]);
    }
    for (int item = 0; item < heldOut.length; item++) {
      heldOut[item] += other.heldOut[item];
    }
    return this;
  }

  /** The focus K's scores of a detailed model, in row order. */
  float[] scoresOf(int model) {
    return Arrays.copyOf(scores[model], scoreCount[model]);
  }

  private static void mergeGroups(Map<String, double[]> into, Map<String, double[]> from) {
    from.forEach((key, v) -> {
      double[] t = into.computeIfAbsent(key, x -> new double[2]);
      t[0] += v[0];
      t[1] += v[1];
    });
  }

  /** One user's NDCG@focus into its group's {sum, users}. */
  private static void addToGroup(Map<String, double[]> groups, String key, double ndcg) {
    double[] t = groups.computeIfAbsent(key, x -> new double[2]);
    t[0] += ndcg;
    t[1]++;
  }

  private void appendScores(int model, float[] values, int n) {
    if (scoreCount[model] + n > scores[model].length) {
      scores[model] = Arrays.copyOf(scores[model], Math.max(2 * scores[model].length, scoreCount[model] + n));
    }
    System.arraycopy(values, 0, scores[model], scoreCount[model], n);
    scoreCount[model] += n;
  }
}
