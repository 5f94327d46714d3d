package io.recsysnightly.eval;

import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.knn.BlockScorer;
import io.recsysnightly.knn.ItemSide;
import io.recsysnightly.knn.Scoring;
import io.recsysnightly.knn.TopNBlock;
import io.recsysnightly.knn.TopNKernel;
import io.recsysnightly.spark.RowArrays;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;

/**
 * The nightly search's validation users, collected once to the driver (at most
 * {@code recsys.tune.validation-users} of them, with their seen and their validation items), and each
 * trial's NDCG@K and recall@K on them in one Spark job: the item side is broadcast, the users' vectors
 * travel in the job's slices, every task scores its users with the candidates' kernel and sums their
 * metrics. A trial's factors are on the driver already while they fit the broadcast budget, so a trial
 * costs its sweeps and this one job; scoring through DataFrames (a join, the top-N, a join, an
 * aggregate) cost several stages and their planning per trial, most of a trial's time on small data.
 * Lists and figures are those of {@link ValidationSplit#score}: the same kernel, ties to the smaller
 * id, seen items excluded, a user without a vector scoring zero.
 */
public final class ValidationQueries {
  private final JavaSparkContext jsc;
  private final int[] users;
  private final int[][] seen;
  private final int[][] relevant;

  private ValidationQueries(JavaSparkContext jsc, int[] users, int[][] seen, int[][] relevant) {
    this.jsc = jsc;
    this.users = users;
    this.seen = seen;
    this.relevant = relevant;
  }

  public static ValidationQueries collect(ValidationSplit split) {
    List<Row> rows = new ArrayList<>(split.queries().select("user_idx", "seen", "relevant").collectAsList());
    rows.sort(Comparator.comparingInt(r -> r.getInt(0)));
    int n = rows.size();
    int[] users = new int[n];
    int[][] seen = new int[n][];
    int[][] relevant = new int[n][];
    for (int i = 0; i < n; i++) {
      Row r = rows.get(i);
      users[i] = r.getInt(0);
      seen[i] = r.isNullAt(1) ? null : RowArrays.ints(r, 1);
      relevant[i] = RowArrays.ints(r, 2);
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(split.queries().sparkSession().sparkContext());
    return new ValidationQueries(jsc, users, seen, relevant);
  }

  /** The validation users' ids, ascending. */
  public int[] users() {
    return users;
  }

  /**
   * @param userVectors vectors of (some of) the validation users, ascending by id
   * @param itemVectors every scorable item's vector, ascending by id
   */
  public Map<String, Double> ndcgAndRecall(FactorMatrix userVectors, FactorMatrix itemVectors, Scoring scoring,
      int k, int blockSize) {
    int rank = itemVectors.rank();
    int slices = Math.max(1, jsc.defaultParallelism());
    List<List<Integer>> positions = new ArrayList<>();
    for (int s = 0; s < slices; s++) {
      positions.add(new ArrayList<>());
    }
    // Users in id order, dealt round-robin so each slice gets a share of every id range.
    int[] row = new int[users.length];
    int withVector = 0;
    for (int i = 0, v = 0; i < users.length; i++) {
      while (v < userVectors.size() && userVectors.ids()[v] < users[i]) {
        v++;
      }
      row[i] = v < userVectors.size() && userVectors.ids()[v] == users[i] ? v : -1;
      if (row[i] >= 0) {
        positions.get(withVector++ % slices).add(i);
      }
    }
    List<Slice> parts = new ArrayList<>();
    for (List<Integer> slice : positions) {
      float[] vectors = new float[slice.size() * rank];
      int[][] sliceSeen = new int[slice.size()][];
      int[][] sliceRelevant = new int[slice.size()][];
      for (int q = 0; q < slice.size(); q++) {
        int i = slice.get(q);
        System.arraycopy(userVectors.vectors(), row[i] * rank, vectors, q * rank, rank);
        sliceSeen[q] = seen[i];
        sliceRelevant[q] = relevant[i];
      }
      parts.add(new Slice(vectors, sliceSeen, sliceRelevant));
    }
    Broadcast<ItemSide> side = jsc.broadcast(ItemSide.exact(scoring.items(itemVectors), Set.of()));
    List<double[]> sums = jsc.parallelize(parts, slices).map(s -> s.sums(side.value(), k, blockSize)).collect();
    side.destroy();
    double ndcg = 0;
    double recall = 0;
    for (double[] s : sums) {
      ndcg += s[0];
      recall += s[1];
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("ndcg@" + k, users.length == 0 ? 0 : ndcg / users.length);
    out.put("recall@" + k, users.length == 0 ? 0 : recall / users.length);
    return out;
  }

  /** Some validation users with a vector: their vectors (row-major), seen and validation items. */
  private record Slice(float[] vectors, int[][] seen, int[][] relevant) implements Serializable {

    /** The sums of NDCG@K and recall@K of these users' top-K lists. */
    double[] sums(ItemSide items, int k, int blockSize) {
      BlockScorer scorer = new BlockScorer(items, k, blockSize, TopNKernel.Backend.AUTO);
      int rank = scorer.rank();
      int block = scorer.blockSize();
      double[] sums = new double[2];
      for (int from = 0; from < relevant.length; from += block) {
        int count = Math.min(block, relevant.length - from);
        TopNBlock lists = scorer.score(Arrays.copyOfRange(vectors, from * rank, (from + count) * rank), count,
            Arrays.copyOfRange(seen, from, from + count));
        for (int q = 0; q < count; q++) {
          int[] top = new int[lists.size(q)];
          for (int p = 0; p < top.length; p++) {
            top[p] = lists.id(q, p);
          }
          double[] m = RankingMetrics.forUser(top, relevant[from + q], k);
          sums[0] += m[RankingMetrics.NDCG];
          sums[1] += m[RankingMetrics.RECALL];
        }
      }
      return sums;
    }
  }
}
