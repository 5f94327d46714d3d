package io.recsysnightly.knn;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;

import io.recsysnightly.coldstart.VectorMeans;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Lists for people the nightly run has never seen, which a serving system shows before it has a
 * personal list: per user segment, the top-N for the mean vector of the segment's users who have a
 * personal vector (the vector cold-start gives a new user of that segment, so a newcomer's list and
 * the starter list agree), plus {@link #ALL} for people without a segment; and per item category,
 * its popular-and-relevant items for "more like this category" shelves.
 */
public final class StarterLists {
  /** The segment key of the list for people without a segment: the mean of every personal vector. */
  public static final String ALL = "__all__";

  private StarterLists() {}

  /**
   * @param personal {@code vector, segment} of users with a personal vector (trained or folded in)
   * @return {@code segment string, vector}: one row per segment with such users, plus {@link #ALL}
   */
  public static Dataset<Row> segmentMeans(Dataset<Row> personal) {
    return VectorMeans.meanBy(personal, "segment", ALL);
  }

  /**
   * Top-N of every segment mean through the same kernel and item side as personal lists (same
   * scoring, same excluded items; nothing is "seen").
   *
   * @return {@code segment string, recs array<struct<item_idx, score, rank>>}
   */
  public static Dataset<Row> segmentLists(Dataset<Row> segmentMeans, ItemSide side, BlockedTopN topN) {
    // Cached first: numbering collects the segment names, and the means (a pass over every user vector)
    // would otherwise be computed again for the lists.
    Dataset<Row> numbered = numbered(segmentMeans.cache(), "query_idx").cache();
    Dataset<Row> queries = numbered.select(col("query_idx"), col("vector"),
        lit(null).cast(DataTypes.createArrayType(DataTypes.IntegerType)).as("seen"));
    return topN.run(queries, side).join(numbered.select("query_idx", "segment"), "query_idx")
        .select("segment", "recs");
  }

  /**
   * {@code bySegment} with an int column {@code indexCol} numbering the segments in name order (from 1;
   * no segment first): the kernel and the re-ranker key their rows by int; join back on it to get the
   * segment. Segments are few (the values of a user attribute), so they are numbered on the driver and
   * joined back by broadcast: a window ordered over all rows would move them to a single partition.
   */
  public static Dataset<Row> numbered(Dataset<Row> bySegment, String indexCol) {
    List<Row> names = bySegment.select("segment").distinct().orderBy(col("segment").asc_nulls_first())
        .collectAsList();
    List<Row> numbers = new ArrayList<>(names.size());
    for (Row name : names) {
      numbers.add(RowFactory.create(name.get(0), numbers.size() + 1));
    }
    Dataset<Row> index = bySegment.sparkSession().createDataFrame(numbers, new StructType()
        .add("_segment", DataTypes.StringType, true).add(indexCol, DataTypes.IntegerType, false));
    return bySegment.join(broadcast(index), bySegment.col("segment").eqNullSafe(index.col("_segment")))
        .drop("_segment");
  }

  /**
   * Per category, the top-{@code n} of its items by {@code log(1 + popularity) · max(0, cos(item,
   * centroid))}: popular (training interactions) and typical of the category (the centroid is the
   * mean of the category's trained item vectors). Items scoring 0 (never interacted with, or
   * pointing away from their category) are left out; excluded items never appear.
   *
   * @param items {@code item_idx, category, popularity}
   * @param itemVectors {@code item_idx, vector, source}
   * @return {@code category string, recs array<struct<item_idx, score, rank>>}
   */
  public static Dataset<Row> categoryLists(Dataset<Row> items, Dataset<Row> itemVectors, String trainedSource,
      Set<Integer> excluded, int n) {
    Dataset<Row> withCategory = items.where(col("category").isNotNull()).select("item_idx", "category", "popularity")
        .join(itemVectors.select("item_idx", "vector", "source"), "item_idx");
    Dataset<Row> centroids = VectorMeans.meanBy(withCategory.where(col("source").equalTo(trainedSource)), "category")
        .withColumnRenamed("vector", "centroid");
    Dataset<Row> scored = withCategory.join(centroids, "category")
        .where(excluded.isEmpty() ? lit(true) : col("item_idx").isin(excluded.toArray()).unary_$bang())
        .withColumn("score", expr("CAST(ln(1 + coalesce(popularity, 0)) * greatest(0D, "
            + "aggregate(zip_with(vector, centroid, (a, b) -> a * b), 0D, (s, x) -> s + x)"
            + " / greatest(sqrt(aggregate(vector, 0D, (s, x) -> s + x * x))"
            + " * sqrt(aggregate(centroid, 0D, (s, x) -> s + x * x)), 1e-12D)) AS FLOAT)"))
        .where(col("score").gt(0));
    return scored
        .withColumn("rank", row_number().over(Window.partitionBy("category")
            .orderBy(col("score").desc(), col("item_idx"))))
        .where(col("rank").leq(n))
        .groupBy("category")
        .agg(sort_array(collect_list(struct(col("rank"), col("item_idx"), col("score")))).as("sorted"))
        .select(col("category"), expr("transform(sorted, e -> named_struct('item_idx', e.item_idx, "
            + "'score', e.score, 'rank', e.rank))").as("recs"));
  }

  /** The segment of each user, or {@link #ALL} when it has none or its segment has no list. */
  public static Dataset<Row> listFor(Dataset<Row> users, Dataset<Row> lists) {
    Dataset<Row> all = lists.where(col("segment").equalTo(ALL)).select(col("recs").as("all_recs"));
    return users.join(lists, users.col("segment").equalTo(lists.col("segment")), "left")
        .crossJoin(all)
        .select(users.col("user_idx"), coalesce(lists.col("recs"), col("all_recs")).as("recs"));
  }
}
