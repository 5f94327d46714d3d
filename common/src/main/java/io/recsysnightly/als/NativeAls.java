package io.recsysnightly.als;

import io.recsysnightly.report.Progress;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Our implicit-ALS solver on Spark. Each half-sweep solves every row of one side against the other,
 * fixed side: the fixed side's Gram matrix is summed from per-partition parts (in partition order, so
 * the result is deterministic), then the fixed factors reach the solving partitions either as one
 * broadcast (while they fit {@code broadcastBudgetBytes}) or block-wise, each partition receiving only
 * the rows its cells touch (MLlib's out-blocks). Rows are solved by a few conjugate-gradient steps
 * warm-started from their current vector, or exactly by Cholesky ({@link RowSolver}).
 *
 * <p>A side that fits the budget lives on the driver between half-sweeps: its solve is one job whose
 * result is collected and broadcast once, serving both as the next half-sweep's fixed side and as the
 * starting vectors of its own next solve. Nothing is cached or checkpointed for it, and no lineage
 * grows. A side past the budget stays a cached RDD, checkpointed every {@code checkpointInterval}
 * sweeps.
 */
public final class NativeAls {

  /** When a fit computes its objective (each computation is one more pass over the interactions). */
  public enum Objective {
    /** Never: the nightly search's trials compare points by validation NDCG, not by loss. */
    NONE,
    /** After the last sweep. */
    FINAL,
    /** After every sweep. */
    EACH_SWEEP
  }

  /**
   * @param cholesky exact solves instead of {@code cgSteps} conjugate-gradient steps
   * @param oneTaskMaxInteractions a matrix with at most this many interactions, both sides within the broadcast
   *     budget, is fitted in one Spark task ({@link OneTaskSweeps}); 0: never
   */
  public record Settings(int rank, int iterations, double alpha, Regularization regularization, boolean cholesky,
      int cgSteps, long seed, long broadcastBudgetBytes, long oneTaskMaxInteractions, int checkpointInterval,
      Objective objective) implements Serializable {

    public Settings withObjective(Objective when) {
      return new Settings(rank, iterations, alpha, regularization, cholesky, cgSteps, seed, broadcastBudgetBytes,
          oneTaskMaxInteractions, checkpointInterval, when);
    }
  }

  private final Settings s;
  private final SparkSession spark;
  private final JavaSparkContext jsc;

  public NativeAls(SparkSession spark, Settings settings) {
    this.s = settings;
    this.spark = spark;
    this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  /**
   * @param initialUsers vectors to start from ({@code user_idx, vector}, e.g. yesterday's), or null;
   *     rows without one, or with one of another rank, start from the seeded random vector
   * @param initialItems likewise for items
   * @param progress where each sweep is reported, or null for none (the nightly search's trials)
   */
  public AlsFit fit(AlsMatrix m, Dataset<Row> initialUsers, Dataset<Row> initialItems, Progress progress,
      String what) {
    boolean oneTask = m.users().interactions() <= s.oneTaskMaxInteractions() && fitsBudget(m.users())
        && fitsBudget(m.items());
    Progress.Tracker tracker = progress == null ? null : progress.track(what + " (native ALS, rank " + s.rank()
        + ", " + s.iterations() + " sweeps" + (oneTask ? ", in one task" : "") + ")", s.iterations());
    if (oneTask) {
      return fitInOneTask(m, initialUsers, initialItems, tracker);
    }
    State users = held(m.users(), initial(m.users(), 0, initialUsers), false);
    State items = held(m.items(), initial(m.items(), 1, initialItems), false);
    // A broadcast stays alive while a cached factor table's lineage refers to it (tasks serialise the
    // lineage): with a side held as an RDD it is destroyed once both sides are checkpointed, or when
    // the fit is released.
    List<Broadcast<float[]>> retired = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    for (int sweep = 1; sweep <= s.iterations(); sweep++) {
      long sweepStart = System.nanoTime();
      boolean checkpoint = sweep % s.checkpointInterval() == 0 && jsc.getCheckpointDir().isPresent();
      State newUsers = solve(users, items, checkpoint);
      retire(users, retired);
      users = newUsers;
      State newItems = solve(items, users, checkpoint);
      retire(items, retired);
      items = newItems;
      if (checkpoint || (users.rdd() == null && items.rdd() == null)) {
        retired.forEach(Broadcast::destroy);
        retired.clear();
      }
      String label = String.format(Locale.ROOT, "sweep %d of %d in %.1f s", sweep, s.iterations(),
          (System.nanoTime() - sweepStart) / 1e9);
      if (s.objective() == Objective.EACH_SWEEP || (s.objective() == Objective.FINAL && sweep == s.iterations())) {
        losses.add(loss(m, users, items));
        label += String.format(Locale.ROOT, ", objective %.6g", losses.get(losses.size() - 1));
      }
      if (tracker != null) {
        tracker.advance(label);
      }
    }
    if (users.broadcast() != null) {
      retired.add(users.broadcast());
    }
    if (items.broadcast() != null) {
      retired.add(items.broadcast());
    }
    return new AlsFit(spark, m, chunks(users), chunks(items), users.global(), items.global(), retired, s.rank(),
        losses);
  }

  /**
   * The whole fit as one Spark task ({@link OneTaskSweeps}); each sweep is reported once the task is done. The
   * result is held as a broadcast fit's is: both sides on the driver and broadcast.
   */
  private AlsFit fitInOneTask(AlsMatrix m, Dataset<Row> initialUsers, Dataset<Row> initialItems,
      Progress.Tracker tracker) {
    JavaRDD<float[]> startUsers = initial(m.users(), 0, initialUsers);
    JavaRDD<float[]> startItems = initial(m.items(), 1, initialItems);
    OneTaskSweeps.Result result = OneTaskSweeps.run(m, startUsers, startItems, s);
    startUsers.unpersist(false);
    startItems.unpersist(false);
    List<Double> losses = new ArrayList<>();
    for (int sweep = 0; sweep < s.iterations(); sweep++) {
      String label = String.format(Locale.ROOT, "sweep %d of %d in %.2f s", sweep + 1, s.iterations(),
          result.sweepSeconds()[sweep]);
      if (!Double.isNaN(result.losses()[sweep])) {
        losses.add(result.losses()[sweep]);
        label += String.format(Locale.ROOT, ", objective %.6g", result.losses()[sweep]);
      }
      if (tracker != null) {
        tracker.advance(label);
      }
    }
    State users = new State(m.users(), null, result.users(), jsc.broadcast(result.users()), null);
    State items = new State(m.items(), null, result.items(), jsc.broadcast(result.items()), null);
    return new AlsFit(spark, m, chunks(users), chunks(items), users.global(), items.global(),
        new ArrayList<>(List.of(users.broadcast(), items.broadcast())), s.rank(), losses);
  }

  /** The objective of the given factors ({@code *_idx, vector}, e.g. another solver's) on {@code m}. */
  public double loss(AlsMatrix m, Dataset<Row> userFactors, Dataset<Row> itemFactors) {
    State users = held(m.users(), initial(m.users(), 0, userFactors), false);
    State items = held(m.items(), initial(m.items(), 1, itemFactors), false);
    double loss = loss(m, users, items);
    for (State state : List.of(users, items)) {
      if (state.broadcast() != null) {
        state.broadcast().destroy();
      } else {
        state.rdd().unpersist(false);
      }
    }
    return loss;
  }

  /**
   * One side's current factors and α₀·VᵀV: broadcast (one array indexed by row id, {@code global} on the
   * driver) while they fit the budget, else a cached RDD of one row-major chunk per partition.
   */
  private record State(AlsSide side, float[] gram, float[] global, Broadcast<float[]> broadcast, JavaRDD<float[]> rdd) {}

  private boolean fitsBudget(AlsSide side) {
    return (side.maxId() + 1L) * s.rank() * Float.BYTES <= s.broadcastBudgetBytes();
  }

  /**
   * The state of {@code side} holding {@code factors} (one chunk per partition): collected and
   * broadcast within the budget, else cached (and checkpointed when asked), with its Gram matrix.
   */
  private State held(AlsSide side, JavaRDD<float[]> factors, boolean checkpoint) {
    int k = s.rank();
    if (fitsBudget(side)) {
      State state = gathered(side, factors.map(v -> new Tuple2<>(v, partialGram(v, k))).collect());
      factors.unpersist(false);
      return state;
    }
    factors.persist(StorageLevel.MEMORY_AND_DISK());
    if (checkpoint) {
      factors.checkpoint();
    }
    double[] gram = new double[k * k];
    factors.map(v -> partialGram(v, k)).collect().forEach(part -> add(gram, part));
    return new State(side, scaled(gram, s), null, null, factors);
  }

  /** The broadcast state from each partition's chunk and partial Gram matrix, in partition order. */
  private State gathered(AlsSide side, List<Tuple2<float[], double[]>> parts) {
    int k = s.rank();
    double[] gram = new double[k * k];
    float[] global = new float[(side.maxId() + 1) * k];
    for (int p = 0; p < parts.size(); p++) {
      float[] v = parts.get(p)._1();
      int[] rows = side.rows(p);
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(v, i * k, global, rows[i] * k, k);
      }
      add(gram, parts.get(p)._2());
    }
    return new State(side, scaled(gram, s), global, jsc.broadcast(global), null);
  }

  /** α₀ times a Gram matrix, as the row solves take it. */
  static float[] scaled(double[] gram, Settings s) {
    float[] out = new float[gram.length];
    for (int i = 0; i < gram.length; i++) {
      out[i] = (float) (s.regularization().unobservedWeight() * gram[i]);
    }
    return out;
  }

  /** The side's factors as one chunk per partition, in its rows' order (gathered from the broadcast when held there). */
  private JavaRDD<float[]> chunks(State state) {
    if (state.rdd() != null) {
      return state.rdd();
    }
    int k = s.rank();
    Broadcast<float[]> global = state.broadcast();
    return state.side().blocks().map(b -> gather(b.rows(), global.value(), k));
  }

  private static void retire(State state, List<Broadcast<float[]>> retired) {
    if (state.broadcast() != null) {
      state.broadcast().unpersist(false);
      retired.add(state.broadcast());
    } else {
      state.rdd().unpersist(false);
    }
  }

  /** The new state of {@code current}'s side, solved against {@code fixed}. */
  private State solve(State current, State fixed, boolean checkpoint) {
    Settings settings = s;
    int k = s.rank();
    float[] gram = fixed.gram();
    long otherRows = fixed.side().rows();
    JavaRDD<Tuple2<RatingBlock, float[]>> withY = withFixed(current.side(), fixed);
    JavaRDD<float[]> solved;
    if (current.broadcast() != null) {
      Broadcast<float[]> x = current.broadcast();
      solved = withY.map(by -> solvePartition(by._1(), by._2(), gather(by._1().rows(), x.value(), k), gram, settings,
          otherRows));
    } else {
      solved = withY.zipPartitions(current.rdd(), (ctx, x) -> {
        Tuple2<RatingBlock, float[]> blockAndY = ctx.next();
        return Collections.singletonList(solvePartition(blockAndY._1(), blockAndY._2(), x.next().clone(), gram,
            settings, otherRows)).iterator();
      });
    }
    return held(current.side(), solved, checkpoint);
  }

  static float[] solvePartition(RatingBlock block, float[] y, float[] x, float[] gram, Settings s,
      long otherRows) {
    int k = s.rank();
    RowSolver solver = new RowSolver(k, gram, s.alpha(), s.regularization().unobservedWeight());
    int[] ptr = block.ptr();
    int row = 0;
    if (!s.cholesky()) {
      // Rows two at a time: they share each pass over the Gram matrix (RowSolver.conjugateGradientPair).
      for (; row + 1 < block.size(); row += 2) {
        solver.conjugateGradientPair(y, block.cols(), block.ratings(), ptr[row], ptr[row + 1],
            s.regularization().of(ptr[row + 1] - ptr[row], otherRows), ptr[row + 1], ptr[row + 2],
            s.regularization().of(ptr[row + 2] - ptr[row + 1], otherRows), x, row * k, (row + 1) * k, s.cgSteps());
      }
    }
    for (; row < block.size(); row++) {
      int from = ptr[row];
      int to = ptr[row + 1];
      double lambda = s.regularization().of(to - from, otherRows);
      if (s.cholesky()) {
        solver.cholesky(y, block.cols(), block.ratings(), from, to, lambda, x, row * k);
      } else {
        solver.conjugateGradient(y, block.cols(), block.ratings(), from, to, lambda, x, row * k, s.cgSteps());
      }
    }
    return x;
  }

  /**
   * Each partition of {@code solving} beside the fixed factors of the columns it touches, in its
   * {@code colIds} order: gathered from the broadcast, or shipped block-wise from the fixed side.
   */
  private JavaRDD<Tuple2<RatingBlock, float[]>> withFixed(AlsSide solving, State fixed) {
    int k = s.rank();
    if (fixed.broadcast() != null) {
      Broadcast<float[]> global = fixed.broadcast();
      return solving.blocks().map(b -> new Tuple2<>(b, gather(b.colIds(), global.value(), k)));
    }
    int sourceParts = fixed.side().partitions();
    JavaPairRDD<Integer, Tuple2<Integer, float[]>> shipped = fixed.side().outLinksTo(solving)
        .zipPartitions(fixed.rdd(), (links, vectors) -> Collections.singletonList(
            new Tuple2<>(links.next(), vectors.next())).iterator())
        .mapPartitionsWithIndex((source, it) -> {
          Tuple2<AlsSide.OutLinks, float[]> lv = it.next();
          List<Tuple2<Integer, Tuple2<Integer, float[]>>> out = new ArrayList<>();
          for (int t = 0; t < lv._1().targets().length; t++) {
            int[] positions = lv._1().positions()[t];
            float[] chunk = new float[positions.length * k];
            for (int i = 0; i < positions.length; i++) {
              System.arraycopy(lv._2(), positions[i] * k, chunk, i * k, k);
            }
            out.add(new Tuple2<>(lv._1().targets()[t], new Tuple2<>(source, chunk)));
          }
          return out.iterator();
        }, false).mapToPair(t -> t);
    return solving.blocks().zipPartitions(shipped.partitionBy(new HashPartitioner(solving.partitions())).values(),
        (blocks, chunks) -> {
          RatingBlock b = blocks.next();
          return Collections.singletonList(new Tuple2<>(b, assemble(b.colIds(), chunks, sourceParts, k))).iterator();
        });
  }

  static float[] gather(int[] ids, float[] global, int k) {
    float[] local = new float[ids.length * k];
    for (int i = 0; i < ids.length; i++) {
      System.arraycopy(global, ids[i] * k, local, i * k, k);
    }
    return local;
  }

  /** The chunk from source partition j holds, ascending, the vectors of the ids ≡ j (mod sourceParts). */
  private static float[] assemble(int[] ids, Iterator<Tuple2<Integer, float[]>> chunks, int sourceParts, int k) {
    float[][] bySource = new float[sourceParts][];
    chunks.forEachRemaining(c -> bySource[c._1()] = c._2());
    int[] cursor = new int[sourceParts];
    float[] local = new float[ids.length * k];
    for (int i = 0; i < ids.length; i++) {
      int j = ids[i] % sourceParts;
      System.arraycopy(bySource[j], cursor[j]++ * k, local, i * k, k);
    }
    return local;
  }

  /** The objective: every user row's share against the items, plus the items' regularisation. */
  private double loss(AlsMatrix m, State users, State items) {
    Settings settings = s;
    float[] gram = items.gram();
    long itemRows = m.items().rows();
    long userRows = m.users().rows();
    List<Double> userParts = withFixed(m.users(), items).zipPartitions(chunks(users), (ctx, x) -> {
      Tuple2<RatingBlock, float[]> blockAndY = ctx.next();
      return Collections.singletonList(userLoss(blockAndY._1(), blockAndY._2(), x.next(), gram, settings, itemRows))
          .iterator();
    }).collect();
    List<Double> itemParts = m.items().blocks().zipPartitions(chunks(items), (blocks, vectors) ->
        Collections.singletonList(itemRegularization(blocks.next(), vectors.next(), settings, userRows)).iterator())
        .collect();
    double total = 0;
    for (double part : userParts) {
      total += part;
    }
    for (double part : itemParts) {
      total += part;
    }
    return total;
  }

  /** A user partition's share of the objective: its rows' losses against the items {@code y} (its {@code colIds}). */
  static double userLoss(RatingBlock b, float[] y, float[] xs, float[] itemGram, Settings s, long itemRows) {
    int k = s.rank();
    RowSolver solver = new RowSolver(k, itemGram, s.alpha(), s.regularization().unobservedWeight());
    double sum = 0;
    for (int row = 0; row < b.size(); row++) {
      int from = b.ptr()[row];
      int to = b.ptr()[row + 1];
      sum += solver.loss(y, b.cols(), b.ratings(), from, to, s.regularization().of(to - from, itemRows), xs, row * k);
    }
    return sum;
  }

  /** An item partition's share of the objective: its rows' regularisation. */
  static double itemRegularization(RatingBlock b, float[] ys, Settings s, long userRows) {
    int k = s.rank();
    double sum = 0;
    for (int row = 0; row < b.size(); row++) {
      double norm = RowSolver.dot(ys, row * k, ys, row * k, k);
      sum += s.regularization().of(b.interactions(row), userRows) * norm;
    }
    return sum;
  }

  /** Each row's starting vector: the given one if it has this rank, else seeded random (as MLlib: |N(0,1)|, unit norm). */
  private JavaRDD<float[]> initial(AlsSide side, int salt, Dataset<Row> given) {
    int k = s.rank();
    long seed = s.seed();
    JavaRDD<float[]> out;
    if (given == null) {
      out = side.blocks().map(b -> randomVectors(b.rows(), k, seed, salt, null));
    } else {
      JavaPairRDD<Integer, float[]> keyed = given.javaRDD()
          .mapToPair(r -> new Tuple2<>(r.getInt(0), AlsFit.toFloats(r.getList(1))))
          .filter(t -> t._2().length == k)
          .partitionBy(new HashPartitioner(side.partitions()));
      out = side.blocks().zipPartitions(keyed, (blocks, vectors) -> {
        RatingBlock b = blocks.next();
        float[][] byRow = new float[b.size()][];
        vectors.forEachRemaining(t -> {
          int row = Arrays.binarySearch(b.rows(), t._1());
          if (row >= 0) {
            byRow[row] = t._2();
          }
        });
        return Collections.singletonList(randomVectors(b.rows(), k, seed, salt, byRow)).iterator();
      });
    }
    return out.persist(StorageLevel.MEMORY_AND_DISK());
  }

  private static float[] randomVectors(int[] rows, int k, long seed, int salt, float[][] given) {
    float[] v = new float[rows.length * k];
    for (int i = 0; i < rows.length; i++) {
      if (given != null && given[i] != null) {
        System.arraycopy(given[i], 0, v, i * k, k);
        continue;
      }
      SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + salt * 0xBF58476D1CE4E5B9L + rows[i]);
      double norm = 0;
      for (int f = 0; f < k; f++) {
        double g = Math.abs(random.nextGaussian());
        v[i * k + f] = (float) g;
        norm += g * g;
      }
      float scale = (float) (1 / Math.sqrt(norm));
      for (int f = 0; f < k; f++) {
        v[i * k + f] *= scale;
      }
    }
    return v;
  }

  static double[] partialGram(float[] vectors, int k) {
    double[] gram = new double[k * k];
    RowSolver.addGram(vectors, vectors.length / k, k, gram);
    return gram;
  }

  static void add(double[] into, double[] part) {
    for (int i = 0; i < into.length; i++) {
      into[i] += part[i];
    }
  }
}
