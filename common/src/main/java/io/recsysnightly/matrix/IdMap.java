package io.recsysnightly.matrix;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.when;

import io.recsysnightly.io.FileStore;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The persisted dictionary from string ids to the dense int indices ALS needs. One version per run
 * date under {@code <root>/dt=D}; the run for D extends the newest version before D, so an id keeps
 * its index across nights, new ids get the next indices (in id order, so re-running a date gives
 * the same map), and a forgotten user's row is kept as a tombstone (id null) so the index is never
 * given to anyone else.
 */
public final class IdMap {
  public static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.StringType, true)
      .add("idx", DataTypes.IntegerType, false);

  private final SparkSession spark;
  private final FileStore files;
  private final Path root;

  public IdMap(SparkSession spark, FileStore files, Path root) {
    this.spark = spark;
    this.files = files;
    this.root = root;
  }

  /** The newest version strictly before {@code date}, if any. */
  public Optional<LocalDate> previousVersion(LocalDate date) {
    return versions().stream().filter(d -> d.isBefore(date)).reduce((a, b) -> b);
  }

  public List<LocalDate> versions() {
    return files.listNames(root).stream()
        .filter(n -> n.startsWith("dt=") && files.exists(new Path(new Path(root, n), "_SUCCESS")))
        .map(n -> LocalDate.parse(n.substring(3)))
        .sorted()
        .toList();
  }

  public Path versionPath(LocalDate date) {
    return new Path(root, "dt=" + date);
  }

  public Dataset<Row> read(LocalDate date) {
    return spark.read().schema(SCHEMA).parquet(versionPath(date).toString());
  }

  /**
   * The map for {@code date}: the previous version extended with the {@code ids} (column {@code id})
   * it lacks, with {@code forgotten} ids (column {@code id}) tombstoned.
   */
  public Dataset<Row> extend(LocalDate date, Dataset<Row> ids, Dataset<Row> forgotten) {
    Dataset<Row> previous = previousVersion(date).map(this::read)
        .orElseGet(() -> spark.createDataFrame(List.of(), SCHEMA));
    long nextIndex = Optional.ofNullable(previous.agg(max("idx")).first().get(0))
        .map(v -> ((Number) v).longValue() + 1).orElse(0L);
    Dataset<Row> fresh = ids.select("id").distinct()
        .join(previous.where(col("id").isNotNull()).select("id"), "id", "left_anti")
        .orderBy("id");
    // zipWithIndex gives consecutive indices without pulling every new id through one partition,
    // which a global row_number() window would do.
    JavaRDD<Row> numbered = fresh.javaRDD().zipWithIndex().map(t -> {
      long idx = nextIndex + t._2();
      if (idx > Integer.MAX_VALUE) {
        throw new IllegalStateException("More than 2^31 ids: ALS needs int indices");
      }
      return RowFactory.create(t._1().getString(0), (int) idx);
    });
    // Not sorted by idx: readers join on id or idx, so row order means nothing, and a sort would cost a
    // sampling pass and a shuffle. Forgotten ids are few, so they are broadcast.
    Dataset<Row> all = previous.unionByName(spark.createDataFrame(numbered, SCHEMA));
    Dataset<Row> gone = broadcast(forgotten.select(col("id").as("_gone")).distinct());
    return all.join(gone, all.col("id").equalTo(gone.col("_gone")), "left")
        .select(when(col("_gone").isNotNull(), lit(null).cast("string")).otherwise(col("id")).as("id"),
            col("idx"));
  }
}
