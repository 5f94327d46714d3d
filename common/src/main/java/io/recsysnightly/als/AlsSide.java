package io.recsysnightly.als;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * One side (users or items) of the interaction matrix, cached once as one {@link RatingBlock} per
 * partition; row id {@code g} lives in partition {@code g mod partitions}. Spark's Dataset API has no
 * place for a per-partition compressed matrix, so the ALS kernel works on RDDs of blocks.
 */
public final class AlsSide {
  private final transient JavaRDD<RatingBlock> blocks;
  private final int[][] rowsByPartition;
  private final long rows;
  private final long interactions;
  private final int maxId;
  private transient JavaRDD<OutLinks> outLinks;

  private AlsSide(JavaRDD<RatingBlock> blocks, int[][] rowsByPartition) {
    this.blocks = blocks;
    this.rowsByPartition = rowsByPartition;
    long n = 0;
    int max = -1;
    for (int[] r : rowsByPartition) {
      n += r.length;
      if (r.length > 0) {
        max = Math.max(max, r[r.length - 1]);
      }
    }
    this.rows = n;
    this.maxId = max;
    this.interactions = blocks.map(b -> (long) b.cols().length).reduce(Long::sum);
  }

  /**
   * Builds the side whose rows are {@code cells}' first component: each input partition sends one
   * primitive chunk per destination partition (no per-cell objects in the shuffle), each destination
   * builds its block from the chunks it receives.
   */
  static AlsSide build(JavaRDD<Cells> cells, boolean byColumn, int partitions) {
    JavaPairRDD<Integer, Cells> chunks = cells.flatMapToPair(c -> c.split(byColumn, partitions).iterator());
    JavaRDD<RatingBlock> blocks = chunks.partitionBy(new HashPartitioner(partitions)).values()
        .mapPartitions(it -> Collections.singletonList(Cells.concat(it).block()).iterator(), true)
        .persist(StorageLevel.MEMORY_AND_DISK());
    List<int[]> rows = blocks.map(RatingBlock::rows).collect();
    return new AlsSide(blocks, rows.toArray(new int[0][]));
  }

  public JavaRDD<RatingBlock> blocks() {
    return blocks;
  }

  public int partitions() {
    return rowsByPartition.length;
  }

  public int[] rows(int partition) {
    return rowsByPartition[partition];
  }

  /** Whether {@code id} is a row of this side (has an interaction). */
  public boolean hasRow(int id) {
    return id >= 0 && Arrays.binarySearch(rowsByPartition[id % partitions()], id) >= 0;
  }

  /** Every row id, ascending. */
  public int[] allRows() {
    return Arrays.stream(rowsByPartition).flatMapToInt(Arrays::stream).sorted().toArray();
  }

  /** Rows with at least one interaction. */
  public long rows() {
    return rows;
  }

  public long interactions() {
    return interactions;
  }

  /** The largest row id (-1 when empty): the global arrays the broadcast path builds are this long plus one. */
  public int maxId() {
    return maxId;
  }

  /**
   * For each partition of this side, which of its rows each partition of {@code needing} uses:
   * MLlib's "out-blocks", built once and cached, for shipping factors block-wise when they exceed
   * the broadcast budget.
   */
  JavaRDD<OutLinks> outLinksTo(AlsSide needing) {
    if (outLinks == null) {
      int parts = partitions();
      JavaPairRDD<Integer, Tuple2<Integer, int[]>> needs = needing.blocks.mapPartitionsWithIndex((q, it) -> {
        RatingBlock block = it.next();
        List<List<Integer>> byPartition = new ArrayList<>();
        for (int j = 0; j < parts; j++) {
          byPartition.add(new ArrayList<>());
        }
        for (int id : block.colIds()) {
          byPartition.get(id % parts).add(id);
        }
        List<Tuple2<Integer, Tuple2<Integer, int[]>>> out = new ArrayList<>();
        for (int j = 0; j < parts; j++) {
          if (!byPartition.get(j).isEmpty()) {
            out.add(new Tuple2<>(j, new Tuple2<>(q, byPartition.get(j).stream().mapToInt(Integer::intValue).toArray())));
          }
        }
        return out.iterator();
      }, false).mapToPair(t -> t);
      outLinks = needs.partitionBy(new HashPartitioner(parts)).values()
          .zipPartitions(blocks, (needIt, blockIt) -> Collections.singletonList(OutLinks.of(needIt, blockIt.next()))
              .iterator())
          .persist(StorageLevel.MEMORY_AND_DISK());
    }
    return outLinks;
  }

  void release() {
    blocks.unpersist(false);
    if (outLinks != null) {
      outLinks.unpersist(false);
    }
  }

  /** Positions, in this partition's rows, of the rows each needing partition uses (a class for Kryo's own serializer, as {@link RatingBlock}). */
  static final class OutLinks implements Serializable {
    private final int[] targets;
    private final int[][] positions;

    private OutLinks(int[] targets, int[][] positions) {
      this.targets = targets;
      this.positions = positions;
    }

    /** The needing partitions, ascending. */
    int[] targets() {
      return targets;
    }

    /** For each target, the positions of the rows it needs, ascending by id. */
    int[][] positions() {
      return positions;
    }

    static OutLinks of(Iterator<Tuple2<Integer, int[]>> needs, RatingBlock block) {
      List<Tuple2<Integer, int[]>> sorted = new ArrayList<>();
      needs.forEachRemaining(sorted::add);
      sorted.sort((a, b) -> Integer.compare(a._1(), b._1()));
      int[] targets = new int[sorted.size()];
      int[][] positions = new int[sorted.size()][];
      for (int t = 0; t < targets.length; t++) {
        targets[t] = sorted.get(t)._1();
        int[] ids = sorted.get(t)._2();
        positions[t] = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
          positions[t][i] = Arrays.binarySearch(block.rows(), ids[i]);
        }
      }
      return new OutLinks(targets, positions);
    }
  }
}
