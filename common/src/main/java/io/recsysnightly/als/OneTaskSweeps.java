package io.recsysnightly.als;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * A small fit as one Spark task: both sides' cached blocks and starting vectors go to one task, which runs
 * every sweep on the executor's cores and returns both sides' factors. The distributed fit pays, per
 * half-sweep, one job, a collect and a broadcast (about 45 ms on local[2]); on the sample's 80k interactions
 * that is most of a sweep, and the nightly search fits two dozen times. The arithmetic is
 * {@link NativeAls}'s half-sweep for half-sweep: the same row solves on the same gathered vectors, each
 * side's Gram matrix summed from per-partition parts in partition order, the objective summed in the same
 * order. So the factors and the objective equal the distributed fit's to the bit, whatever the thread count.
 * The matrix is not collected to the driver: the task reads the cached blocks where they are.
 */
final class OneTaskSweeps {
  private OneTaskSweeps() {}

  /**
   * What the task returns: each side's factors indexed by row id, each sweep's seconds in the task, and the
   * objective after each sweep (NaN where the settings did not ask for it).
   */
  record Result(float[] users, float[] items, double[] sweepSeconds, double[] losses) implements Serializable {}

  /** A partition of one side inside the task: its index, its block and its rows' starting vectors. */
  private record Part(int index, RatingBlock block, float[] vectors) {}

  static Result run(AlsMatrix m, JavaRDD<float[]> startUsers, JavaRDD<float[]> startItems, NativeAls.Settings s) {
    int userIds = m.users().maxId() + 1;
    int itemIds = m.items().maxId() + 1;
    long userRows = m.users().rows();
    long itemRows = m.items().rows();
    return parts(m.users(), startUsers).zipPartitions(parts(m.items(), startItems), (u, i) ->
        Collections.singletonList(sweep(sorted(u), sorted(i), userIds, itemIds, userRows, itemRows, s)).iterator())
        .collect().get(0);
  }

  /** The side's partitions with their start vectors, all in one partition (in any order: each knows its index). */
  private static JavaRDD<Part> parts(AlsSide side, JavaRDD<float[]> start) {
    return side.blocks().zip(start).mapPartitionsWithIndex((p, it) -> {
      Tuple2<RatingBlock, float[]> blockAndVectors = it.next();
      return Collections.singletonList(new Part(p, blockAndVectors._1(), blockAndVectors._2())).iterator();
    }, true).coalesce(1);
  }

  private static Part[] sorted(Iterator<Part> parts) {
    List<Part> out = new ArrayList<>();
    parts.forEachRemaining(out::add);
    out.sort(Comparator.comparingInt(Part::index));
    return out.toArray(Part[]::new);
  }

  private static Result sweep(Part[] userParts, Part[] itemParts, int userIds, int itemIds, long userRows,
      long itemRows, NativeAls.Settings s) {
    int k = s.rank();
    RatingBlock[] userBlocks = blocks(userParts);
    RatingBlock[] itemBlocks = blocks(itemParts);
    float[] users = new float[userIds * k];
    float[] items = new float[itemIds * k];
    float[][] userChunks = chunks(userParts);
    float[][] itemChunks = chunks(itemParts);
    scatter(userBlocks, userChunks, users, k);
    scatter(itemBlocks, itemChunks, items, k);
    float[] itemGram = gram(itemChunks, s);
    double[] seconds = new double[s.iterations()];
    double[] losses = new double[s.iterations()];
    Arrays.fill(losses, Double.NaN);
    for (int sweep = 0; sweep < s.iterations(); sweep++) {
      long start = System.nanoTime();
      userChunks = solve(userBlocks, users, items, itemGram, s, itemRows);
      scatter(userBlocks, userChunks, users, k);
      float[] userGram = gram(userChunks, s);
      itemChunks = solve(itemBlocks, items, users, userGram, s, userRows);
      scatter(itemBlocks, itemChunks, items, k);
      itemGram = gram(itemChunks, s);
      seconds[sweep] = (System.nanoTime() - start) / 1e9;
      boolean last = sweep == s.iterations() - 1;
      if (s.objective() == NativeAls.Objective.EACH_SWEEP || (s.objective() == NativeAls.Objective.FINAL && last)) {
        losses[sweep] = loss(userBlocks, userChunks, itemBlocks, itemChunks, items, itemGram, s, userRows, itemRows);
      }
    }
    return new Result(users, items, seconds, losses);
  }

  /** Every partition of one side solved against the fixed side, the partitions in parallel (they share nothing). */
  private static float[][] solve(RatingBlock[] blocks, float[] current, float[] fixed, float[] fixedGram,
      NativeAls.Settings s, long fixedRows) {
    int k = s.rank();
    return IntStream.range(0, blocks.length).parallel()
        .mapToObj(p -> NativeAls.solvePartition(blocks[p], NativeAls.gather(blocks[p].colIds(), fixed, k),
            NativeAls.gather(blocks[p].rows(), current, k), fixedGram, s, fixedRows))
        .toArray(float[][]::new);
  }

  /** α₀·VᵀV from each partition's part, summed in partition order. */
  private static float[] gram(float[][] chunks, NativeAls.Settings s) {
    int k = s.rank();
    double[][] parts = IntStream.range(0, chunks.length).parallel()
        .mapToObj(p -> NativeAls.partialGram(chunks[p], k)).toArray(double[][]::new);
    double[] gram = new double[k * k];
    for (double[] part : parts) {
      NativeAls.add(gram, part);
    }
    return NativeAls.scaled(gram, s);
  }

  private static double loss(RatingBlock[] userBlocks, float[][] userChunks, RatingBlock[] itemBlocks,
      float[][] itemChunks, float[] items, float[] itemGram, NativeAls.Settings s, long userRows, long itemRows) {
    int k = s.rank();
    double total = 0;
    for (int p = 0; p < userBlocks.length; p++) {
      total += NativeAls.userLoss(userBlocks[p], NativeAls.gather(userBlocks[p].colIds(), items, k), userChunks[p],
          itemGram, s, itemRows);
    }
    for (int p = 0; p < itemBlocks.length; p++) {
      total += NativeAls.itemRegularization(itemBlocks[p], itemChunks[p], s, userRows);
    }
    return total;
  }

  private static void scatter(RatingBlock[] blocks, float[][] chunks, float[] global, int k) {
    for (int p = 0; p < blocks.length; p++) {
      int[] rows = blocks[p].rows();
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(chunks[p], i * k, global, rows[i] * k, k);
      }
    }
  }

  private static RatingBlock[] blocks(Part[] parts) {
    return Arrays.stream(parts).map(Part::block).toArray(RatingBlock[]::new);
  }

  private static float[][] chunks(Part[] parts) {
    return Arrays.stream(parts).map(Part::vectors).toArray(float[][]::new);
  }
}
