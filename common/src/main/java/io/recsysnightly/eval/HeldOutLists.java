package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.shiftleft;

import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.knn.BlockScorer;
import io.recsysnightly.knn.ItemSide;
import io.recsysnightly.spark.RowArrays;
import io.recsysnightly.knn.StarterLists;
import io.recsysnightly.knn.TopNBlock;
import io.recsysnightly.knn.TopNKernel;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * Every model's lists for the held-out users, and the evaluation's tally of them, in one Spark job. The
 * held-out users (at most {@code recsys.eval.max-users}) are collected to the driver with their held-out
 * items, seen items, segment and training count, as the nightly search's validation users are
 * ({@link ValidationQueries}); what the lists are drawn from is broadcast (ALS's and item-kNN's item
 * vectors, the popularity orders, the segments' starter lists); each task builds its users' lists of every
 * model and tallies them ({@link EvaluationTally}). Built as DataFrames (a top-N per model, their union,
 * the joins to the held-out items) the same lists took about 30 stages, most of the evaluation's time on
 * 10⁵–10⁶ events. The lists are the DataFrame path's: the same kernel ({@link BlockScorer}, ties to the
 * smaller id, seen items excluded), the same orders; {@code HeldOutListsTest} checks the figures against
 * {@link FullEvaluator} on the DataFrame lists.
 */
final class HeldOutLists {
  /** The held-out users, ascending by id, with what their lists and their tally need. */
  record Users(int[] ids, int[][] relevant, int[][] seen, String[] segments, long[] nTrain) implements Serializable {
    int size() {
      return ids.length;
    }
  }

  /**
   * What every list is drawn from. ALS's user vectors are the held-out users' ({@code alsUsers}, a user without
   * one has no ALS list); item-kNN is absent ({@code knnItems} null) when the evaluation skips it.
   */
  record Sources(ItemSide alsItems, FactorMatrix alsUsers, Baselines.Order popularity,
      Baselines.Order popularityDecayed, FactorMatrix knnItems, Map<String, Baselines.Order> segmentLists)
      implements Serializable {

    /** The lists every held-out user gets as a newcomer: tallied without the per-group and distribution details. */
    static final List<String> NEWCOMER_MODELS = List.of(EvaluateModels.STARTER_SEGMENT,
        EvaluateModels.STARTER_POPULARITY);

    /** The models, in the order their lists are tallied. */
    List<String> models() {
      List<String> names = new ArrayList<>(List.of(EvaluateModels.ALS, EvaluateModels.POPULARITY,
          EvaluateModels.POPULARITY_DECAYED));
      if (knnItems != null) {
        names.add(EvaluateModels.ITEM_KNN);
      }
      names.addAll(NEWCOMER_MODELS);
      return names;
    }
  }

  private HeldOutLists() {}

  /**
   * What the lists are drawn from: ALS's side and the held-out users' vectors, the item info's two popularity
   * orders, item-kNN's item vectors (when {@code knnTrain} is given), and each segment's starter list from the
   * segment's mean user vector (the segments are few: their lists are collected).
   *
   * @param alsUsers ALS's vectors of the evaluated users
   * @param userVectors ALS's {@code user_idx, vector} of every user (the segments' means)
   * @param segments {@code user_idx, segment}
   * @param knnTrain {@code user_idx, item_idx} for item-kNN, or null to skip it
   */
  static Sources sources(ItemSide alsItems, FactorMatrix alsUsers, Dataset<Row> userVectors, Dataset<Row> segments,
      ItemInfo info, Dataset<Row> knnTrain, int n, int blockSize) {
    // The segments are few: their means are collected and scored here by the kernel of the users' lists, the
    // lists StarterLists.segmentLists gives (as a Spark query: several more jobs for a few rows).
    List<Row> means = StarterLists.segmentMeans(userVectors.join(segments, "user_idx", "left")).collectAsList();
    float[][] queries = new float[means.size()][];
    for (int q = 0; q < queries.length; q++) {
      queries[q] = RowArrays.floats(means.get(q), 1);
    }
    int[][] tops = new int[queries.length][];
    float[][] scores = new float[queries.length][];
    topN(alsItems, queries, new int[queries.length][], n, blockSize, tops, scores);
    Map<String, Baselines.Order> segmentLists = new LinkedHashMap<>();
    for (int q = 0; q < queries.length; q++) {
      segmentLists.put(means.get(q).getString(0), new Baselines.Order(tops[q], scores[q]));
    }
    return new Sources(alsItems, alsUsers, Baselines.popularityOrder(info.popularity(),
        Baselines.countWeights(info.popularity())), Baselines.popularityOrder(info.popularity(),
        info.weightedPopularity()),
        knnTrain == null ? null : FactorMatrix.collect(Baselines.itemKnnVectors(knnTrain), "item_idx"), segmentLists);
  }

  /**
   * Each query's top-{@code n} of the side by the candidates' kernel, its {@code seen} ids excluded (none where
   * null); no list where the query is null.
   */
  private static void topN(ItemSide side, float[][] queries, int[][] seen, int n, int blockSize, int[][] tops,
      float[][] scores) {
    BlockScorer scorer = new BlockScorer(side, n, blockSize, TopNKernel.Backend.AUTO);
    int rank = scorer.rank();
    int[] withQuery = IntStream.range(0, queries.length).filter(q -> queries[q] != null).toArray();
    for (int from = 0; from < withQuery.length; from += scorer.blockSize()) {
      int count = Math.min(scorer.blockSize(), withQuery.length - from);
      float[] block = new float[count * rank];
      int[][] blockSeen = new int[count][];
      for (int b = 0; b < count; b++) {
        int q = withQuery[from + b];
        System.arraycopy(queries[q], 0, block, b * rank, rank);
        blockSeen[b] = seen[q];
      }
      TopNBlock lists = scorer.score(block, count, blockSeen);
      for (int b = 0; b < count; b++) {
        int q = withQuery[from + b];
        tops[q] = new int[lists.size(b)];
        scores[q] = new float[lists.size(b)];
        lists.copy(b, tops[q], scores[q]);
      }
    }
  }

  /** Every model's figures on the held-out users: tallied in one job, then summed up as {@link FullEvaluator} does. */
  static Map<String, ModelEvaluation> evaluate(JavaSparkContext jsc, Users users, Sources sources, EvalSpec spec,
      ItemInfo info, int blockSize) {
    List<String> names = sources.models();
    boolean[] detailed = new boolean[names.size()];
    for (int m = 0; m < names.size(); m++) {
      detailed[m] = !Sources.NEWCOMER_MODELS.contains(names.get(m));
    }
    return new FullEvaluator(spec).summarize(tally(jsc, users, sources, names, detailed, spec, info, blockSize),
        names, detailed, info);
  }

  /**
   * The evaluated users with their held-out items, seen items, training count and segment. Their held-out and
   * training pairs are collected as they are, packed in a long each, and grouped here: no shuffle, and no
   * {@code collect_list} aggregate per user (on 10⁶ events that aggregate took more CPU than the whole collect),
   * for the same ints on the driver.
   *
   * @param holdout {@code user_idx, item_idx} of the evaluated users
   * @param train {@code user_idx, item_idx}: the training part (only the evaluated users' rows are collected)
   * @param segments {@code user_idx, segment}: may miss users
   */
  static Users collect(Dataset<Row> holdout, Dataset<Row> train, Dataset<Row> segments) {
    Dataset<Row> heldOut = broadcast(holdout.select("user_idx").distinct());
    long[] relevant = packedPairs(holdout);
    long[] seen = packedPairs(train.join(heldOut, "user_idx", "left_semi"));
    Map<Integer, String> segmentOf = new HashMap<>();
    for (Row r : segments.join(heldOut, "user_idx", "left_semi").select("user_idx", "segment").collectAsList()) {
      segmentOf.put(r.getInt(0), r.isNullAt(1) ? null : r.getString(1));
    }
    int[] ids = LongStream.of(relevant).mapToInt(p -> (int) (p >>> 32)).distinct().toArray();
    int n = ids.length;
    Users users = new Users(ids, new int[n][], new int[n][], new String[n], new long[n]);
    int r = 0;
    int s = 0;
    for (int i = 0; i < n; i++) {
      int from = r;
      while (r < relevant.length && (int) (relevant[r] >>> 32) == ids[i]) {
        r++;
      }
      users.relevant()[i] = items(relevant, from, r);
      while (s < seen.length && (int) (seen[s] >>> 32) < ids[i]) {
        s++;
      }
      from = s;
      while (s < seen.length && (int) (seen[s] >>> 32) == ids[i]) {
        s++;
      }
      // Null without training rows: no seen items, no item-kNN query, no segment in the tally.
      users.seen()[i] = s == from ? null : items(seen, from, s);
      users.nTrain()[i] = s - from;
      users.segments()[i] = segmentOf.get(ids[i]);
    }
    return users;
  }

  /** {@code user_idx, item_idx} rows as {@code user << 32 | item}, ascending (by user, then item). */
  private static long[] packedPairs(Dataset<Row> pairs) {
    List<Long> packed = pairs.select(shiftleft(col("user_idx").cast("long"), 32).bitwiseOR(col("item_idx"))
        .as("pair")).as(Encoders.LONG()).collectAsList();
    long[] out = new long[packed.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = packed.get(i);
    }
    Arrays.sort(out);
    return out;
  }

  private static int[] items(long[] pairs, int from, int to) {
    int[] out = new int[to - from];
    for (int i = from; i < to; i++) {
      out[i - from] = (int) pairs[i];
    }
    return out;
  }

  /**
   * The merged tally of every model's lists ({@code names}: ALS, the two popularity orders, item-kNN when
   * {@code sources.knnItems()} is set, the segment starter lists, the starter most-popular list).
   */
  private static EvaluationTally tally(JavaSparkContext jsc, Users users, Sources sources, List<String> names,
      boolean[] detailed, EvalSpec spec, ItemInfo info, int blockSize) {
    int slices = Math.max(1, jsc.defaultParallelism());
    List<int[]> parts = new ArrayList<>();
    for (int s = 0; s < slices; s++) {
      int size = (users.size() - s + slices - 1) / slices;
      int[] positions = new int[Math.max(0, size)];
      for (int q = 0; q < positions.length; q++) {
        positions[q] = s + q * slices; // round-robin, so each slice gets a share of every id range
      }
      parts.add(positions);
    }
    Broadcast<Users> sharedUsers = jsc.broadcast(users);
    Broadcast<Sources> sharedSources = jsc.broadcast(sources);
    Broadcast<ItemInfo> sharedInfo = jsc.broadcast(info);
    int modelCount = names.size();
    List<EvaluationTally> tallies = jsc.parallelize(parts, slices).map(positions -> new SliceLists(
        sharedUsers.value(), positions, sharedSources.value(), spec, blockSize)
        .tally(modelCount, detailed, sharedInfo.value())).collect();
    for (Broadcast<?> b : List.of(sharedUsers, sharedSources, sharedInfo)) {
      b.destroy();
    }
    EvaluationTally tally = new EvaluationTally(spec, detailed, info.size());
    tallies.forEach(tally::merge);
    return tally;
  }

  /** One task's users and the lists of every model for them. */
  private static final class SliceLists {
    private final Users users;
    private final int[] positions;
    private final Sources sources;
    private final EvalSpec spec;
    private final int blockSize;

    SliceLists(Users users, int[] positions, Sources sources, EvalSpec spec, int blockSize) {
      this.users = users;
      this.positions = positions;
      this.sources = sources;
      this.spec = spec;
      this.blockSize = blockSize;
    }

    EvaluationTally tally(int models, boolean[] detailed, ItemInfo info) {
      int n = spec.maxK();
      int count = positions.length;
      int[][][] tops = new int[models][count][];
      float[][][] scores = new float[models][count][];
      int model = 0;
      // ALS: the users with a vector, scored in blocks by the candidates' kernel.
      FactorMatrix alsUsers = sources.alsUsers();
      float[][] alsQueries = new float[count][];
      for (int q = 0; q < count; q++) {
        int row = Arrays.binarySearch(alsUsers.ids(), users.ids()[positions[q]]);
        alsQueries[q] = row < 0 ? null
            : Arrays.copyOfRange(alsUsers.vectors(), row * alsUsers.rank(), (row + 1) * alsUsers.rank());
      }
      scoreByKernel(sources.alsItems(), alsQueries, tops[model], scores[model++]);
      fromOrder(sources.popularity(), true, tops[model], scores[model++]);
      fromOrder(sources.popularityDecayed(), true, tops[model], scores[model++]);
      if (sources.knnItems() != null) {
        // The side wraps the broadcast vectors (no copy): the kNN vectors are shipped once, in the sources.
        ItemSide knnSide = ItemSide.exact(sources.knnItems(), Set.of());
        float[][] knnQueries = new float[count][];
        for (int q = 0; q < count; q++) {
          int[] seen = users.seen()[positions[q]];
          knnQueries[q] = seen == null ? null : Baselines.sumOfSeen(sources.knnItems(), seen);
        }
        scoreByKernel(knnSide, knnQueries, tops[model], scores[model++]);
      }
      // Starter lists as a newcomer meets them: nothing excluded, the list of the user's segment (else everyone's).
      Map<String, Baselines.Order> segmentLists = sources.segmentLists();
      for (int q = 0; q < count; q++) {
        String segment = users.segments()[positions[q]];
        Baselines.Order list = segment != null && segmentLists.containsKey(segment) ? segmentLists.get(segment)
            : segmentLists.get(StarterLists.ALL);
        if (list != null) {
          tops[model][q] = list.ids();
          scores[model][q] = list.scores();
        }
      }
      model++;
      fromOrder(sources.popularity(), false, tops[model], scores[model]);

      EvaluationTally tally = new EvaluationTally(spec, detailed, info.size());
      for (int m = 0; m < models; m++) {
        for (int q = 0; q < count; q++) {
          int i = positions[q];
          float[] focus = scores[m][q] == null ? null
              : Arrays.copyOf(scores[m][q], Math.min(spec.focusK(), scores[m][q].length));
          // A user without training rows is tallied without a segment (the segment still picks their starter list).
          String segment = users.seen()[i] == null ? null : users.segments()[i];
          tally.add(m, users.relevant()[i], tops[m][q], focus, segment, users.nTrain()[i], info);
        }
      }
      return tally;
    }

    /** {@link HeldOutLists#topN} for this slice's users, their seen items excluded. */
    private void scoreByKernel(ItemSide side, float[][] queries, int[][] tops, float[][] scores) {
      int[][] seen = new int[positions.length][];
      for (int q = 0; q < positions.length; q++) {
        seen[q] = users.seen()[positions[q]];
      }
      topN(side, queries, seen, spec.maxK(), blockSize, tops, scores);
    }

    /** Each user's first maxK items of the order, their seen items skipped when {@code excludeSeen}. */
    private void fromOrder(Baselines.Order order, boolean excludeSeen, int[][] tops, float[][] scores) {
      for (int q = 0; q < positions.length; q++) {
        int[] seen = excludeSeen ? users.seen()[positions[q]] : null;
        int[] at = Baselines.firstUnseen(order.ids(), seen == null ? new int[0] : seen, spec.maxK());
        tops[q] = new int[at.length];
        scores[q] = new float[at.length];
        for (int p = 0; p < at.length; p++) {
          tops[q][p] = order.ids()[at[p]];
          scores[q][p] = order.scores()[at[p]];
        }
      }
    }
  }
}
