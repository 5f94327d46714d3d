package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.recsysnightly.io.RunContext;
import io.recsysnightly.knn.StarterLists;
import io.recsysnightly.publish.Publications;
import io.recsysnightly.publish.Publish;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.spark.RowArrays;
import io.recsysnightly.spark.ScalaSeqs;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The forward check: the lists the publication LATEST named before this run (as served: re-ranked, seen
 * items excluded) against what their users did since it was published. An item is relevant to a user
 * when their first interaction with it in this run's matrix falls after the end of that publication's
 * date, up to the end of this run's: the lists excluded every item seen before, so only new items can
 * be hits. Only users who had a list and have a new item count. Users served from a segment or global
 * mean vector (no personal history at publication) are reported apart from those with a personal
 * vector. The baseline is that publication's {@code __all__} starter list, with each user's earlier
 * items removed as the personal lists had them removed.
 */
public final class ForwardCheck {
  /** Sources of a user's vector that had personal history behind it; the rest are starter (mean) vectors. */
  private static final List<String> PERSONAL_SOURCES = List.of("als", "fold_in");
  private static final String VARIANT = "variant";
  private static final List<String> METRICS = List.of("hit_rate", "recall", "ndcg", "precision");
  /** The lists scored: as served, and the publication's __all__ starter list without the user's earlier items. */
  private static final List<String> LISTS = List.of("published", "starter_all");

  private final RunContext ctx;
  private final StepReport report;
  private final Progress progress;
  private final int k;

  public ForwardCheck(RunContext ctx, StepReport report, Progress progress, int k) {
    this.ctx = ctx;
    this.report = report;
    this.progress = progress;
    this.k = k;
  }

  /**
   * @return {@code checked} and, when false, {@code reason}; when true: {@code publication, since, until, k,
   *     users_with_list, users_active, new_pairs} and per group ({@code personal}, {@code starter}) its
   *     {@code users} and the {@code published} and {@code starter_all} metric maps
   */
  public Map<String, Object> execute() {
    Map<String, Object> out = new LinkedHashMap<>();
    LocalDate date = ctx.paths().date();
    Optional<Publications.Run> previous = new Publications(ctx.files(), ctx.paths().outputRoot()).latestRun();
    Optional<String> skip = previous.isEmpty() ? Optional.of("no earlier publication (LATEST names none)")
        : !previous.get().complete() ? Optional.of("LATEST's " + previous.get().name() + " is incomplete")
        : !previous.get().date().isBefore(date) ? Optional.of("LATEST's " + previous.get().name()
            + " is not older than this run's date " + date + ": no day has passed since it")
        : Optional.empty();
    Dataset<Row> matrix = ctx.read(ctx.paths().matrixAll());
    if (skip.isEmpty() && !Arrays.asList(matrix.columns()).contains("first_ts")) {
      skip = Optional.of("this run's matrix has no first_ts column (built by an older version: run build-matrix again)");
    }
    if (skip.isPresent()) {
      out.put("checked", false);
      out.put("reason", skip.get());
      report.metric("forward check", "skipped: " + skip.get());
      return out;
    }
    Publications.Run run = previous.get();
    LocalDate since = run.date().plusDays(1);
    progress.phase("forward check: " + run.name() + "'s lists against the events of " + since + " to " + date);
    out.put("checked", true);
    out.put("publication", run.name());
    out.put("since", since.toString());
    out.put("until", date.toString());
    out.put("k", k);

    Dataset<Row> users = ctx.read(ctx.paths().userTable()).select("user_idx", "user_id");
    Dataset<Row> items = ctx.read(ctx.paths().itemTable()).select("item_idx", "item_id");
    Dataset<Row> lists = servedLists(run.dir(), users, items);
    lists.persist(StorageLevel.MEMORY_AND_DISK());
    out.put("users_with_list", lists.count());
    Broadcast<int[]> starterAll = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext())
        .broadcast(starterAllOrder(ctx.read(new Path(run.dir(), "segment_recommendations")), items));

    // One pass: per user with a list, the new items (relevant) and the earlier ones (seen), both lists'
    // metrics computed on the executors, then averaged per group.
    Column sinceTs = lit(new Timestamp(since.atStartOfDay(ZoneOffset.UTC).toEpochSecond() * 1000));
    Column isNew = col("first_ts").geq(sinceTs);
    Dataset<Row> perUser = matrix.join(lists.select("user_idx"), "user_idx", "left_semi").groupBy("user_idx")
        .agg(collect_list(when(isNew, col("item_idx"))).as("relevant"),
            collect_list(when(isNew.unary_$bang(), col("item_idx"))).as("seen"))
        .where(size(col("relevant")).gt(0))
        .join(lists, "user_idx")
        .select(col("source").isin(PERSONAL_SOURCES.toArray()).as("personal"), col("relevant"), col("seen"),
            expr("transform(slice(recs, 1, " + k + "), r -> r.item_idx)").as("top"));
    int n = RankingMetrics.NAMES.length;
    int cut = k; // the lambda's own copy: the field would capture this object
    MapFunction<Row, Row> score = r -> {
      int[] relevant = RowArrays.ints(r, 1);
      int[] seen = RowArrays.ints(r, 2);
      Arrays.sort(seen);
      double[] served = RankingMetrics.forUser(RowArrays.ints(r, 3), relevant, cut);
      double[] baseline = RankingMetrics.forUser(firstUnseen(starterAll.value(), seen, cut), relevant, cut);
      Object[] values = new Object[2 + 2 * n];
      values[0] = r.getBoolean(0);
      values[1] = (long) relevant.length;
      for (int i = 0; i < n; i++) {
        values[2 + i] = served[i];
        values[2 + n + i] = baseline[i];
      }
      return RowFactory.create(values);
    };
    List<Column> aggregates = new ArrayList<>(List.of(count(lit(1)), sum("relevant")));
    for (String list : LISTS) {
      for (String name : RankingMetrics.NAMES) {
        aggregates.add(avg(list + "_" + name));
      }
    }
    Map<Boolean, Row> byGroup = new HashMap<>();
    perUser.map(score, Encoders.row(scoredSchema())).groupBy("personal")
        .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new))
        .collectAsList().forEach(r -> byGroup.put(r.getBoolean(0), r));
    starterAll.destroy();
    lists.unpersist();

    long active = 0;
    long pairs = 0;
    for (String group : List.of("personal", "starter")) {
      Row r = byGroup.get(group.equals("personal"));
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("users", r == null ? 0L : r.getLong(1));
      for (int l = 0; l < LISTS.size(); l++) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String name : METRICS) {
          int i = Arrays.asList(RankingMetrics.NAMES).indexOf(name);
          m.put(name + "@" + k, r == null ? 0.0 : r.getDouble(3 + l * n + i));
        }
        g.put(LISTS.get(l), m);
      }
      active += r == null ? 0 : r.getLong(1);
      pairs += r == null ? 0 : r.getLong(2);
      out.put(group, g);
      report.metric("forward " + group + " users", g.get("users"));
      if (r != null) {
        report.metric("forward " + group + " ndcg@" + k + " (as served, __all__)", String.format(Locale.ROOT,
            "%.4f, %.4f", ((Map<?, ?>) g.get(LISTS.get(0))).get("ndcg@" + k),
            ((Map<?, ?>) g.get(LISTS.get(1))).get("ndcg@" + k)));
      }
    }
    out.put("users_active", active);
    out.put("new_pairs", pairs);
    report.metric("forward check", run.name() + ": " + active + " users with a list and a new item since " + since);
    report.phaseDone("forward check", active, "users");
    return out;
  }

  /**
   * The served lists as {@code user_idx, source, recs array<struct<rank, item_idx>>}, best first. In an A/B
   * publication every variant has a list for every user: the one served is the variant {@code assignments} names.
   */
  private Dataset<Row> servedLists(Path publication, Dataset<Row> users, Dataset<Row> items) {
    Dataset<Row> recommendations = ctx.read(new Path(publication, "recommendations"));
    if (Arrays.asList(recommendations.columns()).contains(VARIANT)) {
      recommendations = recommendations.join(ctx.read(new Path(publication, Publish.ASSIGNMENTS))
          .select("user_id", VARIANT), ScalaSeqs.seq(List.of("user_id", VARIANT)));
    }
    Dataset<Row> ranked = recommendations.select(col("user_id"), col("source"), explode(col("recs")).as("r"))
        .select(col("user_id"), col("source"), col("r.rank").as("rank"), col("r.item_id").as("item_id"))
        .join(items, "item_id").join(users, "user_id");
    return ranked.groupBy("user_idx", "source")
        .agg(sort_array(collect_list(struct(col("rank"), col("item_idx")))).as("recs"));
  }

  /** The publication's {@code __all__} starter list as item indices, best first (the first variant's in an A/B one). */
  private static int[] starterAllOrder(Dataset<Row> segmentLists, Dataset<Row> items) {
    Dataset<Row> allRows = segmentLists.where(col("segment").equalTo(StarterLists.ALL));
    if (Arrays.asList(segmentLists.columns()).contains(VARIANT)) {
      // An A/B publication has one __all__ list per variant: the first variant's (the control, by convention).
      allRows = allRows.where(col(VARIANT).equalTo(allRows.select(min(VARIANT)).first().getString(0)));
    }
    return allRows.select(explode(col("recs")).as("r")).select(col("r.rank").as("rank"), col("r.item_id").as("item_id"))
        .join(items, "item_id").orderBy("rank").select("item_idx").collectAsList().stream()
        .mapToInt(r -> r.getInt(0)).toArray();
  }

  /** The first {@code n} of {@code order} not in {@code seen} (sorted): the list as it would have been served. */
  private static int[] firstUnseen(int[] order, int[] seen, int n) {
    return Arrays.stream(Baselines.firstUnseen(order, seen, n)).map(p -> order[p]).toArray();
  }

  /** {@code personal, relevant}, then each list's metrics ({@code published_precision, ...}). */
  private static StructType scoredSchema() {
    StructType s = new StructType().add("personal", DataTypes.BooleanType).add("relevant", DataTypes.LongType);
    for (String list : LISTS) {
      for (String name : RankingMetrics.NAMES) {
        s = s.add(list + "_" + name, DataTypes.DoubleType);
      }
    }
    return s;
  }
}
