package io.recsysnightly.knn;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import io.recsysnightly.als.FactorMatrix;
import io.recsysnightly.spark.ScalaSeqs;
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

/**
 * Runs {@link TopNKernel} over a Dataset of query vectors: the item matrix is collected once and
 * broadcast, each partition scores its queries block by block. Used for candidates, similar items,
 * evaluation and the popularity baseline (a rank-1 "factorisation"), so all share one exact kernel.
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

  /** Budget of one score buffer: 16M floats (64 MB) per task. */
  private static final long SCORE_BUFFER_FLOATS = 16L << 20;

  private final int n;
  private final int blockSize;

  public BlockedTopN(int n, int blockSize) {
    this.n = n;
    this.blockSize = blockSize;
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
    FactorMatrix itemMatrix = FactorMatrix.collect(items, "item_idx");
    boolean[] excluded = new boolean[itemMatrix.size()];
    for (int i = 0; i < excluded.length; i++) {
      excluded[i] = excludedItems.contains(itemMatrix.ids()[i]);
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(queries.sparkSession().sparkContext());
    Broadcast<ItemMatrix> broadcast = jsc.broadcast(new ItemMatrix(itemMatrix, excluded));
    // mapPartitions, not a per-row map: the kernel needs a block of queries at once for its sgemm.
    return queries.select(col("query_idx"), col("vector"), col("seen"))
        .mapPartitions(new ScorePartition(broadcast, n, blockSize), Encoders.row(OUTPUT));
  }

  /** The broadcast item side. */
  record ItemMatrix(FactorMatrix factors, boolean[] excluded) implements Serializable {}

  private static final class ScorePartition implements MapPartitionsFunction<Row, Row> {
    private final Broadcast<ItemMatrix> items;
    private final int n;
    private final int blockSize;

    ScorePartition(Broadcast<ItemMatrix> items, int n, int blockSize) {
      this.items = items;
      this.n = n;
      this.blockSize = blockSize;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      ItemMatrix m = items.value();
      FactorMatrix f = m.factors();
      TopNKernel kernel = new TopNKernel(f.vectors(), f.ids(), m.excluded(), f.rank(), SCORE_BUFFER_FLOATS,
          blockSize);
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
            scoreBlock(kernel, f.rank(), rows, pending);
          }
          return !pending.isEmpty();
        }

        @Override
        public Row next() {
          return pending.get(next++);
        }
      };
    }

    private void scoreBlock(TopNKernel kernel, int rank, Iterator<Row> rows, List<Row> out) {
      float[] queries = new float[blockSize * rank];
      int[] queryIds = new int[blockSize];
      int[][] seen = new int[blockSize][];
      int count = 0;
      while (count < blockSize && rows.hasNext()) {
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
        seen[count] = r.isNullAt(2) ? null : r.<Integer>getList(2).stream().mapToInt(Integer::intValue).sorted().toArray();
        count++;
      }
      TopNBlock block = kernel.topN(queries, count, seen, n);
      for (int q = 0; q < count; q++) {
        List<Row> recs = new ArrayList<>(block.size(q));
        for (int p = 0; p < block.size(q); p++) {
          recs.add(RowFactory.create(block.id(q, p), block.score(q, p), p + 1));
        }
        out.add(RowFactory.create(queryIds[q], ScalaSeqs.seq(recs)));
      }
    }
  }
}
