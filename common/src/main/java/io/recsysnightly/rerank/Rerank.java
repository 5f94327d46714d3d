package io.recsysnightly.rerank;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sort_array;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.knn.StarterLists;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.spark.ScalaSeqs;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Step 5: re-ranks every user's candidates into the list to publish (business rules, freshness,
 * popularity de-biasing, diversity) and gives each item its reason. See {@link ListReranker}.
 */
public final class Rerank {
  public static final String STEP = "rerank";

  /** One published entry before ids are attached: item index, score, 1-based rank, reason. */
  public static final StructType ENTRY = new StructType()
      .add("item_idx", DataTypes.IntegerType, false)
      .add("score", DataTypes.FloatType, false)
      .add("rank", DataTypes.IntegerType, false)
      .add("reason", DataTypes.StringType, false);

  public static final StructType OUTPUT = new StructType()
      .add("user_idx", DataTypes.IntegerType, false)
      .add("recs", DataTypes.createArrayType(ENTRY, false), false);

  private final RunContext ctx;
  private final Progress progress;
  private final StepReport report = new StepReport(STEP);

  public Rerank(RunContext ctx) {
    this.ctx = ctx;
    this.progress = ctx.progress(STEP);
  }

  public StepReport execute() {
    RerankRules rules = RerankRules.from(ctx.config());
    describe(rules);
    progress.phase("item catalogue and blocklist Bloom filter");
    ItemCatalog catalog = ItemCatalog.collect(ctx.read(ctx.paths().itemTable()), ctx.read(ctx.paths().itemVectors()),
        ctx.paths().date());
    Dataset<Row> blocked = ctx.read(ctx.paths().blockedItems()).select("item_idx");
    BlocklistFilter filter = BlocklistFilter.build(blocked, ctx.config().get(ConfigKeys.BLOOM_FPP));
    report.count("items blocklisted", filter.blockedItems());
    report.count("Bloom filter bits", filter.bitSize());
    report.metric("Bloom filter false-positive rate, expected", filter.expectedFalsePositiveRate());
    report.phaseDone("catalogue and filter");

    progress.phase("re-ranking the candidates of every user");
    Broadcast<BlocklistFilter> sharedFilter = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext())
        .broadcast(filter);
    Dataset<Row> candidates = ctx.read(ctx.paths().candidates());
    Dataset<Row> interacted = ctx.read(ctx.paths().matrixAll()).groupBy("user_idx")
        .agg(sort_array(collect_list("item_idx")).as("interacted"));
    ListReranker reranker = new ListReranker(rules, catalog);
    Dataset<Row> lists = rerank(candidates.join(interacted, "user_idx", "left"), reranker, sharedFilter);
    ctx.writeAtomically(lists.orderBy("user_idx"), ctx.paths().rerankedLists());
    countLists(ctx.read(ctx.paths().rerankedLists()), rules.listSize());
    report.phaseDone("re-rank", report.countOf("users"), "users");

    // Starter lists get the same rules; nobody behind them has interacted with anything.
    progress.phase("re-ranking the segment starter lists");
    Dataset<Row> segments = StarterLists.numbered(ctx.read(ctx.paths().segmentLists()), "user_idx")
        .withColumn("interacted", lit(null).cast(DataTypes.createArrayType(DataTypes.IntegerType)));
    Dataset<Row> starter = rerank(segments, reranker, sharedFilter)
        .join(segments.select("user_idx", "segment"), "user_idx").select("segment", "recs");
    ctx.writeAtomically(starter.orderBy("segment"), ctx.paths().rerankedSegmentLists());
    report.count("segment starter lists", ctx.read(ctx.paths().rerankedSegmentLists()).count());
    report.phaseDone("starter lists");

    progress.phase("measuring the Bloom filter's false positives on the candidates");
    measureFalsePositives(candidates, blocked, sharedFilter);
    report.phaseDone("false positives");
    report.output("lists", ctx.paths().rerankedLists());
    report.output("segment starter lists", ctx.paths().rerankedSegmentLists());
    return ctx.finish(report);
  }

  /**
   * Re-ranks every list of {@code lists} ({@code user_idx, recs array<struct<item_idx, score, ...>>,
   * interacted array<int>} (null: none)), one row at a time on the executors.
   *
   * @return rows of {@link #OUTPUT}
   */
  public static Dataset<Row> rerank(Dataset<Row> lists, ListReranker reranker, Broadcast<BlocklistFilter> filter) {
    Broadcast<ListReranker> shared = JavaSparkContext.fromSparkContext(lists.sparkSession().sparkContext())
        .broadcast(reranker);
    MapFunction<Row, Row> rerankOne = r -> rerankRow(r, shared.value(), filter.value());
    return lists.select("user_idx", "recs", "interacted").map(rerankOne, Encoders.row(OUTPUT));
  }

  private static Row rerankRow(Row r, ListReranker reranker, BlocklistFilter filter) {
    List<Row> recs = r.getList(1);
    int[] items = new int[recs.size()];
    float[] scores = new float[recs.size()];
    for (int i = 0; i < items.length; i++) {
      items[i] = recs.get(i).getInt(0);
      scores[i] = recs.get(i).getFloat(1);
    }
    List<Integer> seen = r.isNullAt(2) ? List.of() : r.getList(2);
    int[] interacted = seen.stream().mapToInt(Integer::intValue).toArray();
    List<ListReranker.Entry> entries = reranker.rerank(items, scores, interacted, filter::mightBlock);
    Row[] out = new Row[entries.size()];
    for (int i = 0; i < out.length; i++) {
      ListReranker.Entry e = entries.get(i);
      out[i] = RowFactory.create(e.item(), (float) e.score(), e.rank(), e.reason());
    }
    return RowFactory.create(r.getInt(0), ScalaSeqs.seq(List.of(out)));
  }

  private void describe(RerankRules rules) {
    report.metric("list size", rules.listSize());
    report.metric("MMR lambda", rules.diversifies() ? String.valueOf(rules.mmrLambda()) : "off");
    report.metric("category cap", rules.categoryCap() > 0 ? String.valueOf(rules.categoryCap()) : "off");
    report.metric("freshness", rules.freshnessWeight() > 0 ? rules.freshnessWeight() + " x 2^(-age/"
        + rules.freshnessHalfLifeDays() + " d)" : "off");
    report.metric("popularity beta", rules.popularityBeta() > 0 ? String.valueOf(rules.popularityBeta()) : "off");
  }

  private void countLists(Dataset<Row> written, int listSize) {
    report.count("users", written.count());
    report.count("users with a list shorter than " + listSize, written.where("size(recs) < " + listSize).count());
    Dataset<Row> entries = written.select(explode(col("recs")).as("e"));
    report.count("items recommended", entries.count());
    report.count("reasons: an interacted item", entries.where(col("e.reason").startsWith(ListReranker.BECAUSE)).count());
    report.count("reasons: popular (in a category)", entries.where(col("e.reason").startsWith(ListReranker.POPULAR))
        .count());
  }

  /**
   * The filter's real false-positive rate: of the distinct candidate items not on the blocklist
   * (an exact anti-join), the share the filter would block; and the candidate entries (user, item)
   * it drops by mistake.
   */
  private void measureFalsePositives(Dataset<Row> candidates, Dataset<Row> blocked,
      Broadcast<BlocklistFilter> filter) {
    Dataset<Row> entries = candidates.select(explode(col("recs")).as("e")).select(col("e.item_idx").as("item_idx"));
    report.count("candidate entries on the blocklist", entries.join(blocked, "item_idx", "left_semi").count());
    Dataset<Row> clean = entries.join(blocked, "item_idx", "left_anti");
    FilterFunction<Row> flagged = r -> filter.value().mightBlock(r.getInt(0));
    Dataset<Row> cleanItems = clean.distinct();
    long items = cleanItems.count();
    long falsePositives = cleanItems.filter(flagged).count();
    report.count("candidate items not blocklisted", items);
    report.count("of which the filter drops by mistake", falsePositives);
    report.count("candidate entries dropped by mistake", clean.filter(flagged).count());
    report.metric("Bloom filter false-positive rate, measured", items == 0 ? 0.0 : (double) falsePositives / items);
  }
}
