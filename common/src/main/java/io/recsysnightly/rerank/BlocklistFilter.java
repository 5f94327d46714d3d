package io.recsysnightly.rerank;

import java.io.Serializable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.sketch.BloomFilter;

/**
 * The blocklist as a Bloom filter over item indices: a fixed number of bits whatever the list's
 * length, so a blocklist of millions broadcasts in a few MB. A blocked item always tests positive;
 * a non-blocked item tests positive with about the configured probability and is then dropped.
 */
public final class BlocklistFilter implements Serializable {
  /**
   * Fewest items a filter is sized for. Spark's filter picks its bit positions by double hashing
   * modulo its size; at a few hundred bits they collide and it errs far above its rate (measured on
   * the sample: 10 items, 192 bits, 0.0056 against 0.001). 1,024 items at 0.001 cost 1.8 KB.
   */
  static final long MIN_SIZED_ITEMS = 1024;

  private final BloomFilter bloom;
  private final long blockedItems;

  private BlocklistFilter(BloomFilter bloom, long blockedItems) {
    this.bloom = bloom;
    this.blockedItems = blockedItems;
  }

  /** Built by Spark's distributed aggregation over {@code blocked} ({@code item_idx int}), sized for its count. */
  public static BlocklistFilter build(Dataset<Row> blocked, double falsePositiveRate) {
    long count = blocked.count();
    long sizedFor = Math.max(MIN_SIZED_ITEMS, count);
    // Spark's aggregation gives no filter at all over an empty dataset (an NPE); an empty filter blocks nothing.
    BloomFilter bloom = count == 0 ? BloomFilter.create(sizedFor, falsePositiveRate)
        : blocked.stat().bloomFilter("item_idx", sizedFor, falsePositiveRate);
    return new BlocklistFilter(bloom, count);
  }

  public boolean mightBlock(int item) {
    return bloom.mightContainLong(item);
  }

  public long blockedItems() {
    return blockedItems;
  }

  public long bitSize() {
    return bloom.bitSize();
  }

  /** The false-positive rate the filter's fill predicts (not measured). */
  public double expectedFalsePositiveRate() {
    return bloom.expectedFpp();
  }
}
