package io.recsysnightly.als;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One partition's rows of one side of the interaction matrix, as compressed sparse rows: the rows
 * (global ids, ascending), each row's cells as indices into {@code colIds} (the distinct other-side
 * ids this partition touches, ascending) with their ratings, cells of a row ordered by column. The
 * fixed side's factors are gathered into that local column order once per half-sweep, so the inner
 * loops index a dense array.
 */
// A class, not a record: under Kryo (spark.serializer on clusters) records go through Java serialisation
// (RecordsAsJava), and cached blocks, the bulk of what a fit ships and spills, are better left to Kryo's own.
public final class RatingBlock implements Serializable {
  private final int[] rows;
  private final int[] ptr;
  private final int[] cols;
  private final float[] ratings;
  private final int[] colIds;

  RatingBlock(int[] rows, int[] ptr, int[] cols, float[] ratings, int[] colIds) {
    this.rows = rows;
    this.ptr = ptr;
    this.cols = cols;
    this.ratings = ratings;
    this.colIds = colIds;
  }

  /** Row ids, ascending. */
  public int[] rows() {
    return rows;
  }

  /** Row r's cells are {@code [ptr[r], ptr[r + 1])}. */
  public int[] ptr() {
    return ptr;
  }

  /** Each cell's column, an index into {@link #colIds()}. */
  public int[] cols() {
    return cols;
  }

  public float[] ratings() {
    return ratings;
  }

  /** The distinct other-side ids the block's cells touch, ascending. */
  public int[] colIds() {
    return colIds;
  }

  public int size() {
    return rows.length;
  }

  public int interactions(int row) {
    return ptr[row + 1] - ptr[row];
  }

  /**
   * Builds the block from unordered cells (the arrays are reordered). Cells that repeat a
   * (row, column) pair are summed, so the block does not depend on the order the cells arrived in.
   */
  public static RatingBlock of(int[] rowOf, int[] colOf, float[] ratingOf, int n) {
    int[] rows = distinctSorted(rowOf, n);
    int[] colIds = distinctSorted(colOf, n);
    int[] counts = new int[rows.length + 1];
    int[] rowPos = new int[n];
    for (int i = 0; i < n; i++) {
      rowPos[i] = Arrays.binarySearch(rows, rowOf[i]);
      counts[rowPos[i] + 1]++;
    }
    for (int i = 0; i < rows.length; i++) {
      counts[i + 1] += counts[i];
    }
    // Per row, (local column << 32 | rating bits): sorting the longs orders the cells by column.
    long[] keyed = new long[n];
    int[] fill = Arrays.copyOf(counts, rows.length);
    for (int i = 0; i < n; i++) {
      long col = Arrays.binarySearch(colIds, colOf[i]);
      keyed[fill[rowPos[i]]++] = col << 32 | (Float.floatToRawIntBits(ratingOf[i]) & 0xffffffffL);
    }
    int[] ptr = new int[rows.length + 1];
    int[] cols = new int[n];
    float[] ratings = new float[n];
    int out = 0;
    for (int row = 0; row < rows.length; row++) {
      Arrays.sort(keyed, counts[row], counts[row + 1]);
      ptr[row] = out;
      for (int j = counts[row]; j < counts[row + 1]; j++) {
        int col = (int) (keyed[j] >>> 32);
        float rating = Float.intBitsToFloat((int) keyed[j]);
        if (out > ptr[row] && cols[out - 1] == col) {
          ratings[out - 1] += rating;
        } else {
          cols[out] = col;
          ratings[out++] = rating;
        }
      }
    }
    ptr[rows.length] = out;
    return new RatingBlock(rows, ptr, Arrays.copyOf(cols, out), Arrays.copyOf(ratings, out), colIds);
  }

  private static int[] distinctSorted(int[] values, int n) {
    int[] sorted = Arrays.copyOf(values, n);
    Arrays.sort(sorted);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
      if (i == 0 || sorted[i] != sorted[i - 1]) {
        sorted[distinct++] = sorted[i];
      }
    }
    return Arrays.copyOf(sorted, distinct);
  }
}
