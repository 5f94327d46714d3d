package io.recsysnightly.rerank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.testing.SharedSpark;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The re-ranking kernel on hand-built candidate lists, against orders and scores computed by hand. */
class RerankTest {
  private static final LocalDate RUN_DATE = LocalDate.of(2020, 1, 31);
  private static final StructType ITEMS = new StructType()
      .add("item_idx", DataTypes.IntegerType, false)
      .add("item_id", DataTypes.StringType, false)
      .add("category", DataTypes.StringType, true)
      .add("available", DataTypes.BooleanType, false)
      .add("created_ts", DataTypes.TimestampType, true)
      .add("popularity", DataTypes.LongType, false);
  private static final StructType VECTORS = new StructType()
      .add("item_idx", DataTypes.IntegerType, false)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false);

  /** An item of a hand-built catalogue: category, created_ts (or null), popularity, vector. */
  private record Item(String category, String createdTs, long popularity, float... vector) {}

  private static ItemCatalog catalog(Item... items) {
    SparkSession spark = SharedSpark.get();
    List<Row> itemRows = new ArrayList<>();
    List<Row> vectorRows = new ArrayList<>();
    for (int i = 0; i < items.length; i++) {
      Item it = items[i];
      itemRows.add(RowFactory.create(i, "i" + i, it.category(), true,
          it.createdTs() == null ? null : Timestamp.valueOf(it.createdTs()), it.popularity()));
      Float[] v = new Float[it.vector().length];
      for (int f = 0; f < v.length; f++) {
        v[f] = it.vector()[f];
      }
      vectorRows.add(RowFactory.create(i, Arrays.asList(v)));
    }
    Dataset<Row> table = spark.createDataFrame(itemRows, ITEMS);
    return ItemCatalog.collect(table, spark.createDataFrame(vectorRows, VECTORS), RUN_DATE);
  }

  private static RerankRules rules(int listSize, double lambda, int cap, double freshness, double beta) {
    return new RerankRules(listSize, lambda, cap, freshness, 30, beta);
  }

  private static List<ListReranker.Entry> rerank(RerankRules rules, ItemCatalog catalog, int[] items, float[] scores) {
    return new ListReranker(rules, catalog).rerank(items, scores, new int[0], i -> false);
  }

  private static List<Integer> order(List<ListReranker.Entry> entries) {
    return entries.stream().map(ListReranker.Entry::item).toList();
  }

  @Test
  void mmrTradesRelevanceForDissimilarity() {
    // 0 and 1 point the same way, 2 is orthogonal to both, 3 is between (cos 0.6 to 0, 0.8 to 2).
    ItemCatalog c = catalog(new Item("a", null, 0, 1, 0), new Item("a", null, 0, 1, 0), new Item("a", null, 0, 0, 1),
        new Item("a", null, 0, 0.6f, 0.8f));
    int[] items = {0, 1, 3, 2};
    float[] scores = {1.0f, 0.9f, 0.6f, 0.5f};
    // lambda 0.5, by hand: step 1 values 0.5*s: 0.50, 0.45, 0.30, 0.25 -> 0.
    // step 2 (max sims to {0}: 1, 0.6, 0): 0.45-0.5=-0.05, 0.30-0.30=0, 0.25-0=0.25 -> 2.
    // step 3 (max sims to {0,2}: 1, 0.8): -0.05, 0.30-0.40=-0.10 -> 1.
    List<ListReranker.Entry> diverse = rerank(rules(3, 0.5, 0, 0, 0), c, items, scores);
    assertEquals(List.of(0, 2, 1), order(diverse));
    assertEquals(0.5, diverse.get(0).score(), 1e-6);
    assertEquals(0.25, diverse.get(1).score(), 1e-6);
    assertEquals(-0.05, diverse.get(2).score(), 1e-6);
    assertEquals(List.of(1, 2, 3), diverse.stream().map(ListReranker.Entry::rank).toList());
    // lambda 1: plain relevance order, scores untouched.
    List<ListReranker.Entry> plain = rerank(rules(3, 1, 0, 0, 0), c, items, scores);
    assertEquals(List.of(0, 1, 3), order(plain));
    assertEquals(0.9, plain.get(1).score(), 1e-6);
  }

  @Test
  void categoryCapSkipsFullCategoriesAndTiesGoToTheLowerIndex() {
    ItemCatalog c = catalog(new Item("a", null, 0, 1, 0), new Item("a", null, 0, 1, 0), new Item("a", null, 0, 1, 0),
        new Item("b", null, 0, 0, 1), new Item("b", null, 0, 0, 1), new Item(null, null, 0, 0, 1));
    int[] items = {2, 1, 0, 4, 3, 5};
    float[] scores = {5, 4, 4, 3, 3, 1};
    // Cap 2: 2 (best), then 0 (tie with 1 at 4: lower index first) and a is full; 3, 4 (tie at 3);
    // then 5, which has no category and so is never capped.
    assertEquals(List.of(2, 0, 3, 4, 5), order(rerank(rules(10, 1, 2, 0, 0), c, items, scores)));
    assertEquals(List.of(2, 0, 1, 3, 4), order(rerank(rules(5, 1, 0, 0, 0), c, items, scores)));
    assertEquals(List.of(2, 0, 3), order(rerank(rules(3, 1, 2, 0, 0), c, items, scores)));
  }

  @Test
  void freshnessAndPopularityTermsMatchTheirFormulas() {
    // Ages to the end of 2020-01-31: 31 days, 1 day, unknown.
    ItemCatalog c = catalog(new Item("a", "2020-01-01 00:00:00", 9, 1, 0), new Item("a", "2020-01-31 00:00:00", 99, 1, 0),
        new Item("a", null, 0, 1, 0));
    assertEquals(31.0, c.ageDays(0), 1e-9);
    assertEquals(1.0, c.ageDays(1), 1e-9);
    ListReranker fresh = new ListReranker(rules(3, 1, 0, 0.2, 0), c);
    assertEquals(1 + 0.2 * Math.pow(2, -31.0 / 30), fresh.adjustedScore(0, 1), 1e-12);
    assertEquals(1 + 0.2 * Math.pow(2, -1.0 / 30), fresh.adjustedScore(1, 1), 1e-12);
    assertEquals(1, fresh.adjustedScore(2, 1), 1e-12, "no created_ts: no boost");
    ListReranker debiased = new ListReranker(rules(3, 1, 0, 0, 0.1), c);
    assertEquals(1 - 0.1 * Math.log(10), debiased.adjustedScore(0, 1), 1e-12);
    assertEquals(1 - 0.1 * Math.log(100), debiased.adjustedScore(1, 1), 1e-12);
    assertEquals(1, debiased.adjustedScore(2, 1), 1e-12, "popularity 0: no penalty");
    ListReranker both = new ListReranker(rules(3, 1, 0, 0.2, 0.1), c);
    assertEquals(0.5 + 0.2 * Math.pow(2, -1.0 / 30) - 0.1 * Math.log(100), both.adjustedScore(1, 0.5), 1e-12);

    // The terms reorder the list: by score 0, 1, 2; beta 0.1 takes 0.230 off 0 and 0.461 off 1.
    int[] items = {0, 1, 2};
    float[] scores = {1.0f, 0.9f, 0.6f};
    List<ListReranker.Entry> out = rerank(rules(3, 1, 0, 0, 0.1), c, items, scores);
    assertEquals(List.of(0, 2, 1), order(out));
    assertEquals(1.0 - 0.1 * Math.log(10), out.get(0).score(), 1e-6);
    assertEquals(0.9 - 0.1 * Math.log(100), out.get(2).score(), 1e-6);
  }

  @Test
  void unavailableAndBlockedItemsNeverAppear() {
    SparkSession spark = SharedSpark.get();
    List<Row> itemRows = List.of(RowFactory.create(0, "i0", "a", true, null, 1L),
        RowFactory.create(1, "i1", "a", false, null, 1L), RowFactory.create(2, "i2", "a", true, null, 1L));
    List<Row> vectorRows = List.of(RowFactory.create(0, List.of(1f)), RowFactory.create(1, List.of(1f)),
        RowFactory.create(2, List.of(1f)));
    ItemCatalog c = ItemCatalog.collect(spark.createDataFrame(itemRows, ITEMS),
        spark.createDataFrame(vectorRows, VECTORS), RUN_DATE);
    List<ListReranker.Entry> out = new ListReranker(rules(3, 1, 0, 0, 0), c)
        .rerank(new int[] {0, 1, 2}, new float[] {3, 2, 1}, new int[0], i -> i == 0);
    assertEquals(List.of(2), order(out));
  }

  @Test
  void theReasonIsTheMostSimilarInteractedItem() {
    Random rnd = new Random(11);
    int n = 40;
    int rank = 6;
    float[][] v = new float[n][rank];
    Item[] items = new Item[n];
    for (int i = 0; i < n; i++) {
      for (int f = 0; f < rank; f++) {
        v[i][f] = (float) rnd.nextGaussian() * (1 + i % 3);
      }
      items[i] = new Item("c" + i % 4, null, 0, v[i]);
    }
    ItemCatalog c = catalog(items);
    ListReranker reranker = new ListReranker(rules(10, 1, 0, 0, 0), c);
    int[] interacted = {3, 7, 12, 18, 25, 31, 36};
    for (int item = 0; item < n; item++) {
      // Brute force on the raw vectors, in double.
      int best = -1;
      double bestCos = Double.NEGATIVE_INFINITY;
      for (int j : interacted) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int f = 0; f < rank; f++) {
          dot += (double) v[item][f] * v[j][f];
          na += (double) v[item][f] * v[item][f];
          nb += (double) v[j][f] * v[j][f];
        }
        double cos = dot / Math.sqrt(na * nb);
        if (cos > bestCos) {
          bestCos = cos;
          best = j;
        }
      }
      assertEquals(ListReranker.BECAUSE + "i" + best, reranker.reason(item, interacted), "item " + item);
    }
    assertEquals(ListReranker.POPULAR_IN + "c1", reranker.reason(5, new int[0]), "a cold user: the item's category");
  }

  @Test
  void theBloomFilterNeverPassesABlockedItemAndKeepsToItsRate() {
    SparkSession spark = SharedSpark.get();
    double fpp = 0.01;
    // 10^5 blocked ids (every other id), 10^5 ids that are not blocked.
    Dataset<Row> blocked = spark.range(0, 200_000, 2).selectExpr("CAST(id AS INT) AS item_idx");
    BlocklistFilter filter = BlocklistFilter.build(blocked, fpp);
    assertEquals(100_000, filter.blockedItems());
    int falsePositives = 0;
    for (int id = 0; id < 200_000; id++) {
      if (id % 2 == 0) {
        assertTrue(filter.mightBlock(id), "blocked id " + id + " passed the filter");
      } else if (filter.mightBlock(id)) {
        falsePositives++;
      }
    }
    double measured = falsePositives / 100_000.0;
    // 1,000 expected; the bound leaves 5 standard deviations (~31 each) of room above it.
    assertTrue(measured <= fpp + 5 * Math.sqrt(fpp * (1 - fpp) / 100_000), "measured false-positive rate " + measured);
    assertTrue(falsePositives > 0, "a filter sized for 1% that never errs is not sized for 1%");
  }

  @Test
  void anEmptyBlocklistBlocksNothing() {
    BlocklistFilter filter = BlocklistFilter.build(SharedSpark.get().range(0, 10).selectExpr("CAST(id AS INT) AS item_idx")
        .where("item_idx < 0"), 0.001);
    assertEquals(0, filter.blockedItems());
    for (int id = 0; id < 10_000; id++) {
      assertTrue(!filter.mightBlock(id), "id " + id);
    }
  }

  @Test
  void aShortBlocklistKeepsToItsRateToo() {
    // Sized for its 10 items, Spark's filter has 192 bits and drops 0.5% of other ids at a configured 0.1%.
    BlocklistFilter filter = BlocklistFilter.build(SharedSpark.get().range(0, 10).selectExpr("CAST(id * 997 AS INT) "
        + "AS item_idx"), 0.001);
    int falsePositives = 0;
    for (int id = 20_000; id < 120_000; id++) {
      falsePositives += filter.mightBlock(id) ? 1 : 0;
    }
    assertTrue(falsePositives <= 100, falsePositives + " false positives in 10^5 ids");
  }
}
