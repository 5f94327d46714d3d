package io.recsysnightly.knn;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.struct;

import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.spark.ScalaSeqs;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * Runs the top-N kernel ({@link BlockScorer}, {@link TopNKernel}) over a Dataset of query vectors.
 * Used for candidates, similar items, evaluation and the popularity baseline (a rank-1
 * "factorisation"), so all share one exact kernel.
 *
 * <p>The item matrix is collected once and broadcast when it fits the broadcast budget; each
 * partition then scores its queries block by block. A larger matrix is cut into item blocks that do
 * fit: each block is broadcast and scored on its own, giving every query a partial top-N per block,
 * and the partial lists are merged per query (a shuffle of at most blocks x N entries per query).
 * Task memory is one item block plus one query block's candidate lists, whatever the number of users.
 */
public final class BlockedTopN {
  /** One ranked entry: item index, score, 1-based rank. */
  public static final StructType ENTRY = new StructType()
      .add("item_idx", DataTypes.IntegerType, false)
      .add("score", DataTypes.FloatType, false)
      .add("rank", DataTypes.IntegerType, false);

  public static final StructType OUTPUT = new StructType()
      .add("query_idx", DataTypes.IntegerType, false)
      .add("recs", DataTypes.createArrayType(ENTRY, false), false);

  /** A partial list of one item block (items-in-blocks path): ids and scores, best first. */
  static final StructType PARTIAL = new StructType()
      .add("query_idx", DataTypes.IntegerType, false)
      .add("ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("scores", DataTypes.createArrayType(DataTypes.FloatType, false), false);

  /** Default broadcast budget of the item matrix: 256 MB of vectors. */
  public static final long DEFAULT_BROADCAST_BUDGET = 256L << 20;

  private final int n;
  private final int blockSize;
  private final long broadcastBudget;
  private final TopNKernel.Backend backend;
  private final LongAccumulator kernelNanos;

  public BlockedTopN(int n, int blockSize) {
    this(n, blockSize, DEFAULT_BROADCAST_BUDGET, TopNKernel.Backend.AUTO);
  }

  public BlockedTopN(int n, int blockSize, long broadcastBudget, TopNKernel.Backend backend) {
    this(n, blockSize, broadcastBudget, backend, null);
  }

  private BlockedTopN(int n, int blockSize, long broadcastBudget, TopNKernel.Backend backend,
      LongAccumulator kernelNanos) {
    this.n = n;
    this.blockSize = blockSize;
    this.broadcastBudget = broadcastBudget;
    this.backend = backend;
    this.kernelNanos = kernelNanos;
  }

  /** The same job, adding the nanoseconds tasks spend inside the kernel to {@code nanos} (benchmark). */
  public BlockedTopN timingKernelInto(LongAccumulator nanos) {
    return new BlockedTopN(n, blockSize, broadcastBudget, backend, nanos);
  }

  /**
   * Top-N items for each query.
   *
   * @param queries {@code query_idx int, vector array<float>, seen array<int>} (seen sorted; may be null)
   * @param items {@code item_idx int, vector array<float>}
   * @param excludedItems item indices never returned
   * @return rows of {@link #OUTPUT}
   */
  public Dataset<Row> run(Dataset<Row> queries, Dataset<Row> items, Set<Integer> excludedItems) {
    return run(queries, ItemSide.exact(FactorMatrix.collect(items, "item_idx"), excludedItems));
  }

  /** Top-N against an item side built already (exact, or the approximate mode's clustered side). */
  public Dataset<Row> run(Dataset<Row> queries, ItemSide side) {
    Dataset<Row> q = queries.select(col("query_idx"), col("vector"), col("seen"));
    if (side.approximate() || side.bytes() <= broadcastBudget) {
      Broadcast<ItemSide> b = broadcast(queries, side);
      return q.mapPartitions(new ScorePartition(b, n, blockSize, backend, false, kernelNanos), Encoders.row(OUTPUT));
    }
    return runInItemBlocks(q, side);
  }

  /** Items in blocks that each fit the budget; partial lists merged per query. */
  private Dataset<Row> runInItemBlocks(Dataset<Row> q, ItemSide side) {
    long perRow = Math.max(1, side.bytes() / Math.max(1, side.size()));
    int rowsPerBlock = (int) Math.max(1, Math.min(side.size(), broadcastBudget / perRow));
    Dataset<Row> partials = null;
    for (int from = 0; from < side.size(); from += rowsPerBlock) {
      ItemSide block = side.slice(from, Math.min(side.size(), from + rowsPerBlock));
      Dataset<Row> partial = q.mapPartitions(new ScorePartition(broadcast(q, block), n, blockSize, backend, true,
          kernelNanos), Encoders.row(PARTIAL));
      partials = partials == null ? partial : partials.union(partial);
    }
    return partials.groupBy("query_idx").agg(collect_list(struct(col("ids"), col("scores"))).as("parts"))
        .mapPartitions(new MergePartials(n), Encoders.row(OUTPUT));
  }

  private static Broadcast<ItemSide> broadcast(Dataset<Row> queries, ItemSide side) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(queries.sparkSession().sparkContext());
    return jsc.broadcast(side);
  }

  /** Scores a partition's queries block by block; emits final lists, or partial ones for a merge. */
  private static final class ScorePartition implements MapPartitionsFunction<Row, Row> {
    private final Broadcast<ItemSide> items;
    private final int n;
    private final int blockSize;
    private final TopNKernel.Backend backend;
    private final boolean partial;
    private final LongAccumulator kernelNanos;

    ScorePartition(Broadcast<ItemSide> items, int n, int blockSize, TopNKernel.Backend backend, boolean partial,
        LongAccumulator kernelNanos) {
      this.items = items;
      this.n = n;
      this.blockSize = blockSize;
      this.backend = backend;
      this.partial = partial;
      this.kernelNanos = kernelNanos;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      BlockScorer scorer = new BlockScorer(items.value(), n, blockSize, backend);
      int rank = scorer.rank();
      int block = scorer.blockSize();
      float[] queries = new float[block * rank];
      int[] queryIds = new int[block];
      int[][] seen = new int[block][];
      return new Iterator<>() {
        private final List<Row> pending = new ArrayList<>();
        private int next = 0;

        @Override
        public boolean hasNext() {
          if (next < pending.size()) {
            return true;
          }
          pending.clear();
          next = 0;
          if (rows.hasNext()) {
            int count = readBlock(rows, rank, block, queries, queryIds, seen);
            long t0 = System.nanoTime();
            TopNBlock result = scorer.score(queries, count, seen);
            if (kernelNanos != null) {
              kernelNanos.add(System.nanoTime() - t0);
            }
            for (int q = 0; q < count; q++) {
              pending.add(partial ? partialRow(queryIds[q], result, q) : outputRow(queryIds[q], result, q));
            }
          }
          return !pending.isEmpty();
        }

        @Override
        public Row next() {
          return pending.get(next++);
        }
      };
    }
  }

  /** Reads up to {@code block} query rows into the arrays; returns how many. */
  static int readBlock(Iterator<Row> rows, int rank, int block, float[] queries, int[] queryIds, int[][] seen) {
    int count = 0;
    while (count < block && rows.hasNext()) {
      Row r = rows.next();
      queryIds[count] = r.getInt(0);
      List<Float> v = r.getList(1);
      if (v.size() != rank) {
        throw new IllegalStateException("Query " + queryIds[count] + " has a vector of length " + v.size()
            + ", items have " + rank);
      }
      for (int f = 0; f < rank; f++) {
        queries[count * rank + f] = v.get(f);
      }
      seen[count] = r.isNullAt(2) ? null : sortedInts(r.getList(2));
      count++;
    }
    return count;
  }

  private static int[] sortedInts(List<Integer> values) {
    int[] out = new int[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    java.util.Arrays.sort(out);
    return out;
  }

  static Row outputRow(int queryIdx, TopNBlock block, int q) {
    Row[] recs = new Row[block.size(q)];
    for (int p = 0; p < recs.length; p++) {
      recs[p] = RowFactory.create(block.id(q, p), block.score(q, p), p + 1);
    }
    return RowFactory.create(queryIdx, ScalaSeqs.seq(recs));
  }

  private static Row partialRow(int queryIdx, TopNBlock block, int q) {
    int size = block.size(q);
    int[] ids = new int[size];
    float[] scores = new float[size];
    block.copy(q, ids, scores);
    return RowFactory.create(queryIdx, ids, scores);
  }

  /** Merges the partial lists of each query (one per item block) into its top N. */
  private static final class MergePartials implements MapPartitionsFunction<Row, Row>, Serializable {
    private final int n;

    MergePartials(int n) {
      this.n = n;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          Row r = rows.next();
          TopNBlock merged = new TopNBlock(1, n);
          for (Row part : r.<Row>getList(1)) {
            List<Integer> ids = part.getList(0);
            List<Float> scores = part.getList(1);
            for (int i = 0; i < ids.size(); i++) {
              merged.offer(0, ids.get(i), scores.get(i));
            }
          }
          TopNKernel.finish(merged);
          return outputRow(r.getInt(0), merged, 0);
        }
      };
    }
  }
}
