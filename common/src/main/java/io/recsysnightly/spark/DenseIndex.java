package io.recsysnightly.spark;

import java.util.Arrays;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;

/**
 * Numbers rows 0, 1, 2, ... in the order of a column, without moving them all into one partition
 * (which {@code row_number()} over an unpartitioned window does): a range-partitioned sort, then the
 * RDD's {@code zipWithIndex}, which numbers partition by partition after counting them. The Dataset API
 * has no distributed dense numbering, hence the RDD here. Same rows, same numbers.
 */
public final class DenseIndex {
  private DenseIndex() {}

  /**
   * {@code rows} with an int column {@code indexCol} numbering them by {@code orderCol} (whose values
   * are distinct) from 0.
   */
  public static Dataset<Row> by(Dataset<Row> rows, String orderCol, String indexCol) {
    Dataset<Row> sorted = rows.orderBy(orderCol);
    JavaRDD<Row> numbered = sorted.javaRDD().zipWithIndex().map(t -> {
      Object[] values = Arrays.copyOf(toArray(t._1()), t._1().length() + 1);
      values[values.length - 1] = Math.toIntExact(t._2());
      return RowFactory.create(values);
    });
    return rows.sparkSession().createDataFrame(numbered,
        sorted.schema().add(indexCol, DataTypes.IntegerType, false));
  }

  private static Object[] toArray(Row r) {
    Object[] values = new Object[r.length()];
    for (int i = 0; i < values.length; i++) {
      values[i] = r.get(i);
    }
    return values;
  }
}
