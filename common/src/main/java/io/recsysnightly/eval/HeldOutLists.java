package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.sort_array;

import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.knn.BlockScorer;
import io.recsysnightly.knn.BlockedTopN;
import io.recsysnightly.knn.ItemSide;
import io.recsysnightly.knn.StarterLists;
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
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
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
   * @param userVectors ALS's {@code user_idx, vector}
   * @param heldOut {@code user_idx} of the evaluated users
   * @param segments {@code user_idx, segment}
   * @param knnTrain {@code user_idx, item_idx} for item-kNN, or null to skip it
   */
  static Sources sources(ItemSide alsItems, Dataset<Row> userVectors, Dataset<Row> heldOut, Dataset<Row> segments,
      ItemInfo info, Dataset<Row> knnTrain, BlockedTopN topK) {
    Map<String, Baselines.Order> segmentLists = new LinkedHashMap<>();
    for (Row r : StarterLists.segmentLists(StarterLists.segmentMeans(userVectors.join(segments, "user_idx", "left")),
        alsItems, topK).collectAsList()) {
      List<Row> recs = r.getList(1);
      int[] ids = new int[recs.size()];
      float[] scores = new float[recs.size()];
      for (int p = 0; p < ids.length; p++) {
        ids[p] = recs.get(p).getInt(0);
        scores[p] = ((Number) recs.get(p).get(1)).floatValue();
      }
      segmentLists.put(r.getString(0), new Baselines.Order(ids, scores));
    }
    return new Sources(alsItems, FactorMatrix.collect(userVectors.join(broadcast(heldOut), "user_idx", "left_semi"),
        "user_idx"), Baselines.popularityOrder(info.popularity(), Baselines.countWeights(info.popularity())),
        Baselines.popularityOrder(info.popularity(), info.weightedPopularity()),
        knnTrain == null ? null : FactorMatrix.collect(Baselines.itemKnnVectors(knnTrain), "item_idx"), segmentLists);
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
   * @param holdout {@code user_idx, item_idx} of the evaluated users
   * @param seenAndCounts {@code user_idx, seen array<int> (sorted), n_train}: may miss users (nothing seen)
   * @param segments {@code user_idx, segment}: may miss users
   */
  static Users collect(Dataset<Row> holdout, Dataset<Row> seenAndCounts, Dataset<Row> segments) {
    Dataset<Row> relevant = holdout.groupBy("user_idx").agg(sort_array(collect_list("item_idx")).as("relevant"));
    List<Row> rows = new ArrayList<>(relevant.join(seenAndCounts, "user_idx", "left")
        .join(segments.select("user_idx", "segment"), "user_idx", "left")
        .select("user_idx", "relevant", "seen", "n_train", "segment").collectAsList());
    rows.sort(Comparator.comparingInt(r -> r.getInt(0)));
    int n = rows.size();
    Users users = new Users(new int[n], new int[n][], new int[n][], new String[n], new long[n]);
    for (int i = 0; i < n; i++) {
      Row r = rows.get(i);
      users.ids()[i] = r.getInt(0);
      users.relevant()[i] = RowArrays.ints(r, 1);
      users.seen()[i] = r.isNullAt(2) ? null : RowArrays.ints(r, 2);
      users.nTrain()[i] = r.isNullAt(3) ? 0 : r.getLong(3);
      users.segments()[i] = r.isNullAt(4) ? null : r.getString(4);
    }
    return users;
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

    /** Each query's top-n of the side, its seen items excluded; no list where the query is null. */
    private void scoreByKernel(ItemSide side, float[][] queries, int[][] tops, float[][] scores) {
      BlockScorer scorer = new BlockScorer(side, spec.maxK(), blockSize, TopNKernel.Backend.AUTO);
      int rank = scorer.rank();
      int[] withQuery = IntStream.range(0, queries.length).filter(q -> queries[q] != null)
          .toArray();
      for (int from = 0; from < withQuery.length; from += scorer.blockSize()) {
        int count = Math.min(scorer.blockSize(), withQuery.length - from);
        float[] block = new float[count * rank];
        int[][] seen = new int[count][];
        for (int b = 0; b < count; b++) {
          int q = withQuery[from + b];
          System.arraycopy(queries[q], 0, block, b * rank, rank);
          seen[b] = users.seen()[positions[q]];
        }
        TopNBlock lists = scorer.score(block, count, seen);
        for (int b = 0; b < count; b++) {
          int q = withQuery[from + b];
          tops[q] = new int[lists.size(b)];
          scores[q] = new float[lists.size(b)];
          lists.copy(b, tops[q], scores[q]);
        }
      }
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
