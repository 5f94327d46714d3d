package io.recsysnightly.als;

import static org.apache.spark.sql.functions.col;

import java.util.Collections;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * The interaction matrix as the native solver holds it: both sides partitioned and cached once as
 * compressed rows. The ratings are kept as given (before α), so one matrix serves every fit that
 * differs only in rank, α, or regularisation (the tuner's trials). Never collected to the driver:
 * only each partition's row ids are.
 */
public final class AlsMatrix {
  private final AlsSide users;
  private final AlsSide items;

  private AlsMatrix(AlsSide users, AlsSide items) {
    this.users = users;
    this.items = items;
  }

  /** @param cells {@code user_idx int, item_idx int, rating} (rating after the confidence transform) */
  public static AlsMatrix of(Dataset<Row> cells, int partitions) {
    JavaRDD<Cells> chunks = cells.select(col("user_idx"), col("item_idx"), col("rating").cast("double"))
        .javaRDD().mapPartitions(rows -> Collections.singletonList(Cells.of(rows)).iterator())
        .persist(StorageLevel.MEMORY_AND_DISK());
    AlsMatrix matrix = new AlsMatrix(AlsSide.build(chunks, false, partitions),
        AlsSide.build(chunks, true, partitions));
    chunks.unpersist(false);
    return matrix;
  }

  public AlsSide users() {
    return users;
  }

  public AlsSide items() {
    return items;
  }

  public void release() {
    users.release();
    items.release();
  }
}
