package io.recsysnightly.knn;

import io.recsysnightly.als.FactorMatrix;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The top-N kernel's roof at a run's real shape, measured inside the run: the kernel alone ({@link Roof}: plain
 * threads over arrays, no Spark, no Parquet) timed on the first {@link #SAMPLE} queries and scaled to all of
 * them, the kernel's cost being linear in the queries. Local mode only: there the driver's threads are the
 * executors' cores; on a cluster they say nothing of the executors'.
 */
public final class RoofProbe {
  /** Queries timed: enough for a stable time, few enough to cost a small share of the phase at scale. */
  static final int SAMPLE = 8192;

  private RoofProbe() {}

  /** The roof and what it was measured on. */
  public record Estimate(double seconds, int sampled, long queries, int threads) {
    /** One summary line: the phase's time as a multiple of the roof, and how the roof was measured. */
    public String against(double phaseSeconds) {
      return String.format(Locale.ROOT, "%.2fx the roof (%.2f s: the kernel alone on %d threads, timed on %,d of "
          + "%,d queries and scaled)", phaseSeconds / seconds, seconds, threads, sampled, queries);
    }
  }

  /**
   * Times the kernel on the first queries of {@code queries} ({@code idCol int, vector array<float>}, {@code total}
   * rows) against {@code side}; empty on a cluster or with no query.
   */
  public static Optional<Estimate> measure(SparkSession spark, Dataset<Row> queries, String idCol, long total,
      ItemSide side, int n, int blockSize, TopNKernel.Backend backend) {
    if (!spark.sparkContext().isLocal() || total == 0) {
      return Optional.empty();
    }
    FactorMatrix sample = FactorMatrix.collect(queries.limit(SAMPLE), idCol);
    int threads = spark.sparkContext().defaultParallelism();
    Roof roof = new Roof(side, sample.vectors(), sample.size(), n, blockSize, threads);
    TopNKernel.Backend resolved = backend.resolve();
    try {
      // The faster of two runs: the first may still meet a cold cache or an unfinished JIT compilation.
      double seconds = Math.min(roof.full(resolved), roof.full(resolved));
      return Optional.of(new Estimate(seconds * total / sample.size(), sample.size(), total, threads));
    } catch (Exception e) { // Roof's threads only fail on a bug: nothing the user can act on
      throw new IllegalStateException("Timing the kernel's roof failed: " + e, e);
    }
  }
}
