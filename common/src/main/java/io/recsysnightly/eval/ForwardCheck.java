package io.recsysnightly.eval;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;

import io.recsysnightly.io.RunContext;
import io.recsysnightly.knn.StarterLists;
import io.recsysnightly.publish.Publications;
import io.recsysnightly.publish.Publish;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.spark.ScalaSeqs;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
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
    Timestamp sinceTs = new Timestamp(since.atStartOfDay(ZoneOffset.UTC).toEpochSecond() * 1000);
    Dataset<Row> listed = matrix.join(lists.select("user_idx"), "user_idx", "left_semi");
    Dataset<Row> fresh = listed.where(col("first_ts").geq(lit(sinceTs))).select("user_idx", "item_idx");
    fresh.persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> earlier = listed.where(col("first_ts").lt(lit(sinceTs)))
        .join(fresh.select("user_idx").distinct(), "user_idx", "left_semi")
        .groupBy("user_idx").agg(collect_list("item_idx").as("seen"));
    Dataset<Row> baseline = starterAllLists(ctx.read(new Path(run.dir(), "segment_recommendations")), items,
        fresh.select("user_idx").distinct().join(earlier, "user_idx", "left"));

    out.put("users_with_list", lists.count());
    long active = fresh.select("user_idx").distinct().count();
    out.put("users_active", active);
    out.put("new_pairs", fresh.count());
    long catalogue = items.count();
    for (String group : List.of("personal", "starter")) {
      Column inGroup = col("source").isin(PERSONAL_SOURCES.toArray());
      Dataset<Row> groupLists = lists.where(group.equals("personal") ? inGroup : inGroup.unary_$bang());
      Dataset<Row> groupFresh = fresh.join(groupLists.select("user_idx"), "user_idx", "left_semi");
      Map<String, Object> g = new LinkedHashMap<>();
      Map<String, Double> published = Evaluator.evaluate(groupLists.withColumnRenamed("user_idx", "query_idx"),
          groupFresh, k, catalogue);
      g.put("users", published.get("users_evaluated").longValue());
      g.put("published", headline(published));
      g.put("starter_all", headline(Evaluator.evaluate(baseline, groupFresh, k, catalogue)));
      out.put(group, g);
      report.metric("forward " + group + " users", g.get("users"));
      if ((long) g.get("users") > 0) {
        report.metric("forward " + group + " ndcg@" + k + " (as served, __all__)", String.format(Locale.ROOT,
            "%.4f, %.4f", published.get("ndcg@" + k), ((Map<?, ?>) g.get("starter_all")).get("ndcg@" + k)));
      }
    }
    report.metric("forward check", run.name() + ": " + active + " users with a list and a new item since " + since);
    lists.unpersist();
    fresh.unpersist();
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

  /**
   * The publication's {@code __all__} starter list for each user of {@code usersWithSeen} ({@code user_idx,
   * seen}), their earlier items removed, as {@code query_idx, recs array<struct<item_idx>>}.
   */
  private Dataset<Row> starterAllLists(Dataset<Row> segmentLists, Dataset<Row> items, Dataset<Row> usersWithSeen) {
    Dataset<Row> allRows = segmentLists.where(col("segment").equalTo(StarterLists.ALL));
    if (Arrays.asList(segmentLists.columns()).contains(VARIANT)) {
      // An A/B publication has one __all__ list per variant: the first variant's (the control, by convention).
      String first = allRows.select(min(VARIANT)).first().getString(0);
      allRows = allRows.where(col(VARIANT).equalTo(first));
    }
    List<Row> all = allRows
        .select(explode(col("recs")).as("r")).select(col("r.rank").as("rank"), col("r.item_id").as("item_id"))
        .join(items, "item_id").orderBy("rank").select("item_idx").collectAsList();
    Column allItems = all.isEmpty() ? expr("CAST(array() AS array<int>)")
        : array(all.stream().map(r -> lit(r.getInt(0))).toArray(Column[]::new));
    return usersWithSeen.withColumn("all_items", allItems).select(col("user_idx").as("query_idx"),
        expr("transform(filter(all_items, x -> seen IS NULL OR NOT array_contains(seen, x)), x -> named_struct("
            + "'item_idx', x))").as("recs"));
  }

  private Map<String, Double> headline(Map<String, Double> metrics) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (String name : METRICS) {
      m.put(name + "@" + k, metrics.get(name + "@" + k));
    }
    return m;
  }
}
