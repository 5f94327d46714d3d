package io.recsysnightly.knn;

import io.recsysnightly.als.FactorMatrix;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Set;

/**
 * What is broadcast to the tasks of a top-N job: item vectors (row-major, increasing id), the
 * excluded rows and, for the approximate mode, the grouping of items into clusters and the cluster
 * centroids. Each task packs it for the kernel backend of its own JVM (a few milliseconds per task),
 * so the driver never needs to know the executors' vector width.
 */
public final class ItemSide implements Serializable {
  private static final long serialVersionUID = 1L;

  final float[] vectors;
  final int[] ids;
  final boolean[] excluded;
  final int rank;
  /** Approximate mode: input rows in cluster order, cluster c = {@code order[bounds[c]] .. order[bounds[c+1]-1]}. */
  final int[] order;
  final int[] bounds;
  /** Approximate mode: row-major centroids ({@code clusters x rank}) and how many each query probes. */
  final float[] centroids;
  final int probes;

  ItemSide(float[] vectors, int[] ids, boolean[] excluded, int rank, int[] order, int[] bounds, float[] centroids,
      int probes) {
    this.vectors = vectors;
    this.ids = ids;
    this.excluded = excluded;
    this.rank = rank;
    this.order = order;
    this.bounds = bounds;
    this.centroids = centroids;
    this.probes = probes;
  }

  /** An exact side: all items, one group. */
  public static ItemSide exact(FactorMatrix items, Set<Integer> excludedIds) {
    return new ItemSide(items.vectors(), items.ids(), excludedRows(items.ids(), excludedIds), items.rank(), null, null,
        null, 0);
  }

  static boolean[] excludedRows(int[] ids, Set<Integer> excludedIds) {
    boolean[] excluded = new boolean[ids.length];
    for (int i = 0; i < ids.length; i++) {
      excluded[i] = excludedIds.contains(ids[i]);
    }
    return excluded;
  }

  public int size() {
    return ids.length;
  }

  public int rank() {
    return rank;
  }

  public boolean approximate() {
    return centroids != null;
  }

  public int clusters() {
    return bounds == null ? 1 : bounds.length - 1;
  }

  /** Bytes of the vectors: what the broadcast budget is compared with. */
  public long bytes() {
    return 4L * vectors.length + 5L * ids.length;
  }

  /** Rows {@code from .. to} of an exact side, as a side of their own (the items-in-blocks path). */
  ItemSide slice(int from, int to) {
    return new ItemSide(Arrays.copyOfRange(vectors, from * rank, to * rank), Arrays.copyOfRange(ids, from, to),
        Arrays.copyOfRange(excluded, from, to), rank, null, null, null, 0);
  }

  /** The item matrix packed for {@code backend}: one group, or one group per cluster. */
  PackedItems pack(TopNKernel.Backend backend) {
    int lanes = backend.lanes();
    if (order == null) {
      return PackedItems.pack(vectors, ids, excluded, rank, lanes);
    }
    return PackedItems.pack(vectors, ids, excluded, rank, lanes, order, bounds);
  }

  /** The centroids as a catalogue of their own (id = cluster), for choosing the clusters to probe. */
  PackedItems packCentroids(TopNKernel.Backend backend) {
    int k = clusters();
    int[] clusterIds = new int[k];
    for (int c = 0; c < k; c++) {
      clusterIds[c] = c;
    }
    return PackedItems.pack(centroids, clusterIds, null, rank, backend.lanes());
  }
}
