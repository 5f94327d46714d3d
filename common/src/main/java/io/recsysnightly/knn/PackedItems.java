package io.recsysnightly.knn;

import java.io.Serializable;

/**
 * An item matrix laid out for a kernel, built once on the driver and broadcast. Items are split into
 * groups (one group for exact scoring, one per cluster for the approximate mode); every group is
 * padded to a whole number of tiles of {@code 2 * lanes} rows so the vector kernel never needs a
 * remainder loop over items. Padding rows have zero vectors and are marked {@code skip}, as are
 * excluded (blocked, unavailable) items.
 *
 * <p>Layout: with {@code lanes == 1} the rows are plain row-major vectors ({@code rank} floats each),
 * the form sgemm takes. With {@code lanes > 1} each tile of {@code lanes} consecutive rows is stored
 * k-major: float {@code k} of the tile's row {@code j} is at {@code tileRow * rank + k * lanes + j},
 * so one vector load gives the k-th coordinate of {@code lanes} items.
 */
public final class PackedItems implements Serializable {
  private static final long serialVersionUID = 1L;

  final int rank;
  final int lanes;
  final int rows;
  final float[] data;
  /** The item id of each packed row (padding rows: -1, and skipped). */
  final int[] ids;
  /** Rows never returned: padding and excluded items. */
  final boolean[] skip;
  /** Group g is rows {@code groupStart[g] .. groupStart[g + 1]}. */
  final int[] groupStart;
  /** Number of real (non-padding) items. */
  final int items;

  private PackedItems(int rank, int lanes, int rows, float[] data, int[] ids, boolean[] skip, int[] groupStart,
      int items) {
    this.rank = rank;
    this.lanes = lanes;
    this.rows = rows;
    this.data = data;
    this.ids = ids;
    this.skip = skip;
    this.groupStart = groupStart;
    this.items = items;
  }

  /**
   * Packs items in one group, in the given order.
   *
   * @param vectors row-major {@code ids.length x rank}
   * @param excluded rows never returned (may be null)
   */
  public static PackedItems pack(float[] vectors, int[] ids, boolean[] excluded, int rank, int lanes) {
    return pack(vectors, ids, excluded, rank, lanes, longestFirst(vectors, ids.length, rank),
        new int[] {0, ids.length});
  }

  /**
   * Rows by decreasing vector length. Scores are dot products, so long vectors tend to score high:
   * scored first, they raise each query's threshold early and fewer later scores reach it (with ALS
   * factors, where popular items have long vectors, most of the selection work disappears). The
   * result does not depend on the order: ties are settled by id.
   */
  static int[] longestFirst(float[] vectors, int n, int rank) {
    long[] keyed = new long[n];
    for (int i = 0; i < n; i++) {
      double norm = 0;
      for (int f = 0; f < rank; f++) {
        norm += (double) vectors[i * rank + f] * vectors[i * rank + f];
      }
      // Non-negative float bits order like the floats; negate to sort longest first, row in the low half.
      keyed[i] = ((long) -Float.floatToIntBits((float) norm) << 32) | i;
    }
    java.util.Arrays.sort(keyed);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = (int) keyed[i];
    }
    return order;
  }

  /**
   * Packs items in groups: group g holds input rows {@code order[bounds[g]] .. order[bounds[g+1]-1]}.
   *
   * @param lanes the vector kernel's lane count, or 1 for the sgemm layout
   */
  public static PackedItems pack(float[] vectors, int[] ids, boolean[] excluded, int rank, int lanes, int[] order,
      int[] bounds) {
    if (vectors.length != (long) ids.length * rank) {
      throw new IllegalArgumentException("items has " + vectors.length + " floats, expected " + ids.length + " x "
          + rank);
    }
    int tile = lanes == 1 ? 1 : 2 * lanes;
    int groups = bounds.length - 1;
    int[] groupStart = new int[groups + 1];
    long total = 0;
    for (int g = 0; g < groups; g++) {
      groupStart[g] = (int) total;
      int len = bounds[g + 1] - bounds[g];
      total += (len + tile - 1) / tile * (long) tile;
    }
    if (total * rank > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("item matrix too large for one array: " + total + " x " + rank);
    }
    int rows = (int) total;
    groupStart[groups] = rows;
    float[] data = new float[rows * rank];
    int[] packedIds = new int[rows];
    boolean[] skip = new boolean[rows];
    java.util.Arrays.fill(packedIds, -1);
    java.util.Arrays.fill(skip, true);
    for (int g = 0; g < groups; g++) {
      int row = groupStart[g];
      for (int i = bounds[g]; i < bounds[g + 1]; i++, row++) {
        int src = order[i];
        packedIds[row] = ids[src];
        skip[row] = excluded != null && excluded[src];
        if (lanes == 1) {
          System.arraycopy(vectors, src * rank, data, row * rank, rank);
        } else {
          int tileBase = (row / lanes) * lanes * rank;
          int lane = row % lanes;
          for (int k = 0; k < rank; k++) {
            data[tileBase + k * lanes + lane] = vectors[src * rank + k];
          }
        }
      }
    }
    return new PackedItems(rank, lanes, rows, data, packedIds, skip, groupStart, ids.length);
  }

  /**
   * Offers packed row {@code row} with {@code score} to heap {@code slot}, unless the row is skipped
   * (padding, excluded) or its item is in the slot's sorted seen list. The kernels call this only for
   * the few scores that reach the slot's threshold.
   */
  void offer(int row, float score, int slot, int[][] seenBySlot, TopNBlock out) {
    if (skip[row]) {
      return;
    }
    int id = ids[row];
    int[] seen = seenBySlot == null ? null : seenBySlot[slot];
    if (seen != null && seen.length > 0 && java.util.Arrays.binarySearch(seen, id) >= 0) {
      return;
    }
    out.offer(slot, id, score);
  }

  public int rank() {
    return rank;
  }

  public int groups() {
    return groupStart.length - 1;
  }

  /** Real items (padding excluded). */
  public int items() {
    return items;
  }

  /** Rows of group g, padding included. */
  public int groupRows(int g) {
    return groupStart[g + 1] - groupStart[g];
  }

  /** Bytes of the packed matrix and its row tables: what a broadcast of it costs per executor. */
  public long bytes() {
    return 4L * data.length + 4L * ids.length + skip.length + 4L * groupStart.length;
  }
}
