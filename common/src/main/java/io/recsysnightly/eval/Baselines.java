package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.unix_micros;

import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.knn.BlockedTopN;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Baselines written as "factorisations" so they go through the same exact top-N kernel as ALS (all
 * items ranked, seen items excluded): each returns item vectors and, per query user, a query vector
 * whose dot product with an item vector is the baseline's score.
 */
public final class Baselines {
  /** Item-kNN's vectors have one entry per training user: beyond this many floats it is skipped. */
  // Dense item vectors cost users x items floats and items^2 x users work: at 10^6 events (2e4 users x 5e3
  // items, 1e8 cells) the baseline took 1,010 s of a 1,098 s train step, so past 2e7 cells it is skipped.
  public static final long ITEM_KNN_MAX_FLOATS = 20_000_000L;

  private static final StructType QUERY = new StructType()
      .add("query_idx", DataTypes.IntegerType, false)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("seen", DataTypes.createArrayType(DataTypes.IntegerType, false), true);

  private Baselines() {}

  /** Query and item sides of one baseline, ready for {@code BlockedTopN.run}. */
  public record Scoring(Dataset<Row> queries, Dataset<Row> items) {}

  /**
   * Most popular: every user is [1], every item is [its weight]: the number of training pairs, or
   * with {@code halfLifeDays > 0} the sum over its pairs of {@code 2^(-age/halfLife)}, age in days
   * from {@code nowMicros} to the pair's last event.
   *
   * @param train {@code user_idx, item_idx, last_ts}
   * @param users {@code user_idx, seen array<int>} (sorted)
   */
  public static Scoring popularity(Dataset<Row> train, Dataset<Row> users, double halfLifeDays, long nowMicros) {
    Dataset<Row> items = train.groupBy("item_idx").agg(sum(decayWeight(halfLifeDays, nowMicros)).cast("float")
        .as("pop")).select(col("item_idx"), array(col("pop")).as("vector"));
    return new Scoring(popularityQueries(users), items);
  }

  /**
   * A pair's weight in the time-decayed popularity: 2^(−age / half-life), its age counted from its
   * {@code last_ts} to {@code nowMicros}; 1 for every pair when {@code halfLifeDays} is 0.
   */
  public static Column decayWeight(double halfLifeDays, long nowMicros) {
    return halfLifeDays > 0
        ? pow(lit(2.0), lit((double) nowMicros).minus(unix_micros(col("last_ts"))).divide(86_400e6)
            .divide(-halfLifeDays))
        : lit(1.0);
  }

  /**
   * The most-popular lists {@code BlockedTopN.run} would give on {@link #popularity}'s vectors, without
   * the kernel: the items are sorted once on the driver (weight descending, ties to the smaller id, as
   * the kernel settles them), and a user's list is the first {@code n} of that order they have not seen.
   * O(n + seen) per user instead of O(items): through the kernel the popularity lists cost as much as
   * ALS's own (users x items scores each). The weights are the item info's, which the driver already
   * holds: its pair counts give the plain lists, its weighted popularity ({@link #decayWeight}) the
   * time-decayed ones, with no other pass over the training part.
   *
   * @param pairCounts training pairs by item index (an item without pairs has no weight and no place)
   * @param weights by item index, the weight to rank by
   * @param users {@code user_idx, seen array<int>} (sorted; null: nothing excluded)
   * @return {@code BlockedTopN.OUTPUT}: {@code query_idx, recs array<item_idx, score, rank>}
   */
  public static Dataset<Row> popularityLists(long[] pairCounts, float[] weights, Dataset<Row> users, int n) {
    return listsByWeight(popularityOrder(pairCounts, weights), popularityQueries(users), n);
  }

  /** The plain most-popular lists: {@link #popularityLists(long[], float[], Dataset, int)} ranked by pair count. */
  public static Dataset<Row> popularityLists(long[] pairCounts, Dataset<Row> users, int n) {
    return popularityLists(pairCounts, countWeights(pairCounts), users, n);
  }

  /** Pair counts as weights: the plain most-popular order. */
  static float[] countWeights(long[] pairCounts) {
    float[] weights = new float[pairCounts.length];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = pairCounts[i];
    }
    return weights;
  }

  /** The items with training pairs, best first: weight descending, ties to the smaller id (as the kernel settles them). */
  record Order(int[] ids, float[] scores) implements Serializable {}

  static Order popularityOrder(long[] pairCounts, float[] weights) {
    int[] itemIds = IntStream.range(0, pairCounts.length).filter(i -> pairCounts[i] > 0).toArray();
    Integer[] byWeight = IntStream.range(0, itemIds.length).boxed().toArray(Integer[]::new);
    Arrays.sort(byWeight, Comparator.<Integer>comparingDouble(p -> -weights[itemIds[p]])
        .thenComparingInt(p -> itemIds[p]));
    int[] ids = new int[byWeight.length];
    float[] scores = new float[byWeight.length];
    for (int p = 0; p < byWeight.length; p++) {
      ids[p] = itemIds[byWeight[p]];
      scores[p] = weights[ids[p]];
    }
    return new Order(ids, scores);
  }

  /** Every user as the rank-1 query [1] of the popularity "factorisation", with their seen items. */
  private static Dataset<Row> popularityQueries(Dataset<Row> users) {
    return users.select(col("user_idx").as("query_idx"), array(lit(1.0f)).as("vector"), col("seen"));
  }

  /** Each user's first n unseen items of the order, sorted once on the driver. */
  private static Dataset<Row> listsByWeight(Order byWeight, Dataset<Row> queries, int n) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(queries.sparkSession().sparkContext());
    Broadcast<int[]> order = jsc.broadcast(byWeight.ids());
    Broadcast<float[]> orderScores = jsc.broadcast(byWeight.scores());
    return queries.map(new FirstUnseen(order, orderScores, n), Encoders.row(BlockedTopN.OUTPUT));
  }

  /**
   * Item-kNN with cosine item-item similarity on the binary training matrix X (users x items),
   * score(u, i) = sum over items j seen by u of cos(i, j), with cos(i, j) = |U_i n U_j| / sqrt(d_i d_j).
   * As a factorisation: item i's vector is column i of X scaled by 1/sqrt(d_i) (one entry per training
   * user), and user u's vector is the sum of the vectors of the items u has seen. Exact, no neighbour
   * truncation; the vectors are as long as the number of training users, hence {@link #ITEM_KNN_MAX_FLOATS}.
   *
   * @param train {@code user_idx, item_idx}
   * @param users {@code user_idx, seen array<int>}: the users to score (their seen items are their training items)
   */
  public static Scoring itemKnn(Dataset<Row> train, Dataset<Row> users) {
    Dataset<Row> items = itemKnnVectors(train);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(train.sparkSession().sparkContext());
    Broadcast<FactorMatrix> itemMatrix = jsc.broadcast(FactorMatrix.collect(items, "item_idx"));
    Dataset<Row> queries = users.select("user_idx", "seen").map(new SumOfSeen(itemMatrix), Encoders.row(QUERY));
    return new Scoring(queries, items);
  }

  /** Item-kNN's item vectors ({@code item_idx, vector}): column i of X scaled by 1/sqrt(d_i), one entry per training user. */
  static Dataset<Row> itemKnnVectors(Dataset<Row> train) {
    List<Row> trainUsers = train.select("user_idx").distinct().orderBy("user_idx").collectAsList();
    Map<Integer, Integer> dense = new HashMap<>();
    for (Row r : trainUsers) {
      dense.put(r.getInt(0), dense.size());
    }
    int dim = dense.size();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(train.sparkSession().sparkContext());
    Broadcast<Map<Integer, Integer>> denseIds = jsc.broadcast(dense);
    MapFunction<Row, Row> itemVector = r -> {
      Map<Integer, Integer> ids = denseIds.value();
      List<Integer> us = r.getList(1);
      float[] v = new float[dim];
      float w = (float) (1.0 / Math.sqrt(us.size()));
      for (int u : us) {
        v[ids.get(u)] = w;
      }
      return RowFactory.create(r.getInt(0), floats(v));
    };
    StructType itemSchema = new StructType().add("item_idx", DataTypes.IntegerType, false)
        .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    return train.groupBy("item_idx").agg(collect_list("user_idx").as("users"))
        .map(itemVector, Encoders.row(itemSchema));
  }

  /** A user's item-kNN query vector: the sum of the vectors of the items they have seen (in {@code seen}'s order). */
  static float[] sumOfSeen(FactorMatrix items, int[] seen) {
    int rank = items.rank();
    float[] q = new float[rank];
    for (int item : seen) {
      int pos = Arrays.binarySearch(items.ids(), item);
      if (pos >= 0) {
        for (int f = 0; f < rank; f++) {
          q[f] += items.vectors()[pos * rank + f];
        }
      }
    }
    return q;
  }

  /**
   * The training-user count times the count of items with training pairs: the floats of item-kNN's dense
   * item vectors, read from the item info's counts rather than counted again over the training part.
   */
  public static long itemKnnFloats(ItemInfo items) {
    return items.trainUsers() * Arrays.stream(items.popularity()).filter(p -> p > 0).count();
  }

  private static scala.collection.immutable.Seq<Float> floats(float[] v) {
    Float[] boxed = new Float[v.length];
    for (int i = 0; i < v.length; i++) {
      boxed[i] = v[i];
    }
    return io.recsysnightly.spark.ScalaSeqs.seq(Arrays.asList(boxed));
  }

  /** A user's most-popular list: the first n items of the shared order that are not in their seen items. */
  private static final class FirstUnseen implements MapFunction<Row, Row>, Serializable {
    private final Broadcast<int[]> ids;
    private final Broadcast<float[]> scores;
    private final int n;

    FirstUnseen(Broadcast<int[]> ids, Broadcast<float[]> scores, int n) {
      this.ids = ids;
      this.scores = scores;
      this.n = n;
    }

    @Override
    public Row call(Row query) {
      int[] order = ids.value();
      float[] score = scores.value();
      int[] seen = query.isNullAt(2) ? new int[0]
          : query.<Integer>getList(2).stream().mapToInt(Integer::intValue).toArray();
      int[] positions = firstUnseen(order, seen, n);
      List<Row> recs = new ArrayList<>(positions.length);
      for (int p : positions) {
        recs.add(RowFactory.create(order[p], score[p], recs.size() + 1));
      }
      return RowFactory.create(query.getInt(0), io.recsysnightly.spark.ScalaSeqs.seq(recs));
    }
  }

  /** The positions in {@code order} of its first {@code n} items not in {@code seen} (sorted). */
  static int[] firstUnseen(int[] order, int[] seen, int n) {
    int[] positions = new int[n];
    int size = 0;
    for (int p = 0; p < order.length && size < n; p++) {
      if (Arrays.binarySearch(seen, order[p]) < 0) {
        positions[size++] = p;
      }
    }
    return Arrays.copyOf(positions, size);
  }

  /** A user's item-kNN query vector: the sum of the vectors of the items they have seen. */
  private static final class SumOfSeen implements MapFunction<Row, Row>, Serializable {
    private final Broadcast<FactorMatrix> items;

    SumOfSeen(Broadcast<FactorMatrix> items) {
      this.items = items;
    }

    @Override
    public Row call(Row r) {
      List<Integer> seen = r.isNullAt(1) ? List.of() : r.getList(1);
      float[] q = sumOfSeen(items.value(), seen.stream().mapToInt(Integer::intValue).toArray());
      return RowFactory.create(r.getInt(0), floats(q), r.isNullAt(1) ? null : io.recsysnightly.spark.ScalaSeqs.seq(seen));
    }
  }
}
