package io.recsysnightly.matrix;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import io.recsysnightly.RecsysException;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.InputReader;
import io.recsysnightly.io.InputSpec;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.publish.Publications;
import io.recsysnightly.report.Progress;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.spark.ConcurrentJobs;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Step 1: validates raw events, quarantines malformed rows, drops forgotten users, weights events
 * into the utility matrix, maps ids to persisted dense indices and splits train from holdout.
 */
public final class BuildMatrix {
  public static final String STEP = "build-matrix";
  private static final StructType ID_ONLY = new StructType().add("id", DataTypes.StringType);

  private final RunContext ctx;
  private final PipelineConfig config;
  private final Progress progress;
  private final StepReport report = new StepReport(STEP);

  public BuildMatrix(RunContext ctx) {
    this.ctx = ctx;
    this.config = ctx.config();
    this.progress = ctx.progress(STEP);
  }

  public StepReport execute() {
    LocalDate date = ctx.paths().date();
    long endMicros = endOfDayMicros(date);
    InputReader reader = new InputReader(ctx.spark(), config, ctx.paths());

    progress.phase("reading and validating events");
    Dataset<Row> forgotten = forgottenUsers(reader);
    forgotten.persist(StorageLevel.MEMORY_AND_DISK());
    report.count("deletion requests", forgotten.count());

    Dataset<Row> annotated = EventValidator.annotate(reader.read(InputSpec.EVENTS),
        config.get(ConfigKeys.EVENT_WEIGHTS).keySet());
    // Not cached: the counts by reason and the weighting each scan the input once. Building an in-memory cache of
    // every row cost more than a second scan (10^7 Parquet rows on 2 cores: a scan and parse about 3 s, the cache
    // about 10 s more).
    long validRows;
    try {
      validRows = quarantine(annotated, forgotten);
    } catch (RecsysException refused) { // too many bad rows: a caller in the same session must not inherit the cache
      forgotten.unpersist();
      throw refused;
    }
    report.phaseDone("validate", report.countOf("event rows in"), "event rows");

    progress.phase("weighting events into interaction strengths");
    InteractionWeighter weighter = InteractionWeighter.from(config);
    RunPairs run = weighRunEvents(annotated, validRows, forgotten, endMicros, weighter);
    Dataset<Row> pairs = run.pairs();
    report.count("events used", run.keptCount() - run.overCap());
    report.count("events over per-user cap", run.overCap());
    report.phaseDone("weight", run.keptCount(), "events");

    progress.phase("mapping ids to persisted indices");
    Optional<Dataset<Row>> catalogue = reader.readOptional(InputSpec.ITEMS).map(BuildMatrix::cleanCatalogue);
    Optional<Dataset<Row>> users = reader.readOptional(InputSpec.USERS).map(BuildMatrix::cleanUsers);
    Dataset<Row> userIds = tonightsIds(pairs, "user_id", users).join(forgotten, "id", "left_anti");
    Dataset<Row> itemIds = tonightsIds(pairs, "item_id", catalogue);
    // Small (one row per id) and read by the id maps' several passes and by the entity tables.
    userIds.persist(StorageLevel.MEMORY_AND_DISK());
    itemIds.persist(StorageLevel.MEMORY_AND_DISK());
    // The two maps share nothing: written at once, one's planning and commits overlap the other's tasks.
    ConcurrentJobs.Results maps = ConcurrentJobs.all(List.<Callable<?>>of(
        () -> persistIdMap("users", userIds, forgotten),
        () -> persistIdMap("items", itemIds, ctx.spark().createDataFrame(List.of(), ID_ONLY))));
    Dataset<Row> userMap = mapped(maps.get(0), "users");
    Dataset<Row> itemMap = mapped(maps.get(1), "items");
    report.phaseDone("id maps", report.countOf("users in id map") + report.countOf("items in id map"), "ids");

    progress.phase("splitting train and holdout");
    Dataset<Row> matrix = pairs
        .join(userMap.select(col("id").as("user_id"), col("idx").as("user_idx")), "user_id")
        .join(itemMap.select(col("id").as("item_id"), col("idx").as("item_idx")), "item_id");
    // Split per user_id, not user_idx (one to one): the pairs are partitioned by user_id already (distinctValid).
    HoldoutSplit split = config.get(ConfigKeys.SPLIT_MODE).equals("cutoff")
        ? HoldoutSplit.cutoff(new Timestamp(endOfDayMicros(config.get(ConfigKeys.CUTOFF_DATE).orElseThrow()) / 1000))
        : HoldoutSplit.perUser("user_id", config.get(ConfigKeys.HOLDOUT_FRACTION),
            config.get(ConfigKeys.MIN_INTERACTIONS));
    ctx.writeAtomically(split.mark(matrix)
        .select("user_idx", "item_idx", "strength", "n_events", "first_ts", "last_ts", "holdout"),
        ctx.paths().matrixAll());
    run.unpersist();
    Dataset<Row> all = ctx.read(ctx.paths().matrixAll());
    ConcurrentJobs.all(List.<Callable<?>>of(
        Executors.callable(() -> ctx.writeAtomically(all.where("NOT holdout").drop("holdout"),
            ctx.paths().matrixTrain())),
        Executors.callable(() -> ctx.writeAtomically(all.where("holdout").drop("holdout"),
            ctx.paths().matrixHoldout()))));
    // Counted from the files written (Parquet footers), not by re-running the plan.
    ConcurrentJobs.Results counted = ConcurrentJobs.all(List.<Callable<?>>of(all::count,
        () -> ctx.read(ctx.paths().matrixTrain()).count(), () -> ctx.read(ctx.paths().matrixHoldout()).count()));
    long interactions = counted.get(0);
    report.count("interactions (user, item)", interactions);
    report.count("  train", counted.<Long>get(1));
    report.count("  holdout", counted.<Long>get(2));
    report.phaseDone("split", interactions, "interactions");

    progress.phase("writing user, item and blocklist tables");
    writeEntities(all, userMap, userIds, itemMap, itemIds, catalogue, users, reader);
    report.phaseDone("entities", report.countOf("users known") + report.countOf("items known"), "entities");

    userIds.unpersist();
    itemIds.unpersist();
    forgotten.unpersist();
    reportDrift(date);
    report.output("matrix", ctx.paths().matrixAll().getParent());
    report.output("bad records", ctx.paths().badRecords());
    report.output("id maps", ctx.paths().idMapRoot("").getParent());
    return ctx.finish(report);
  }

  /**
   * Counts the event rows by reason in one aggregate over the {@code annotated} events, writes the malformed
   * ones (their raw text and a reason) to bad_records/ and fails past the bound. Rows of users who asked to be
   * forgotten are never quarantined. Returns the number of valid rows.
   */
  private long quarantine(Dataset<Row> annotated, Dataset<Row> forgotten) {
    Column isForgotten = col("_forgotten").isNotNull();
    List<Row> byReasonAndForgotten = annotated
        .join(broadcast(forgotten.select(col("id"), lit(true).as("_forgotten"))),
            annotated.col("user_id").equalTo(col("id")), "left")
        .groupBy(col(EventValidator.REASON), isForgotten.as("forgotten")).agg(count(lit(1)).as("n"))
        .collectAsList();
    long rowsIn = byReasonAndForgotten.stream().mapToLong(r -> r.getLong(2)).sum();
    report.count("event rows in", rowsIn);
    if (rowsIn == 0) {
      throw RecsysException.input("The events input %s has no rows: nothing to build a matrix from. Check that "
          + "the day's events have landed.", ctx.paths().input(config.get(ConfigKeys.INPUT_EVENTS)));
    }
    Map<String, Long> badByReason = new TreeMap<>();
    byReasonAndForgotten.stream().filter(r -> !r.isNullAt(0) && !r.getBoolean(1))
        .forEach(r -> badByReason.merge(r.getString(0), r.getLong(2), Long::sum));
    long badCount = badByReason.values().stream().mapToLong(Long::longValue).sum();
    Dataset<Row> bad = annotated.where(col(EventValidator.REASON).isNotNull())
        .join(broadcast(forgotten), annotated.col("user_id").equalTo(forgotten.col("id")), "left_anti")
        .select(EventValidator.badRecordColumns());
    // The raw text is read again only when there are bad rows; with none, limit(0) writes the empty table.
    ctx.writeAtomically(badCount > 0 ? bad : bad.limit(0), ctx.paths().badRecords());
    report.count("bad rows quarantined", badCount);
    String reasons = badByReason.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    if (badCount > 0) {
      report.metric("bad rows by reason", reasons);
    }
    double share = (double) badCount / rowsIn;
    double bound = config.get(ConfigKeys.MAX_BAD_SHARE);
    if (share > bound) {
      throw RecsysException.input("%d of %d event rows (%.2f%%) are malformed, more than %s=%s allows (%s). They "
              + "are in %s with a reason column; fix the upstream feed, or raise the bound if this is expected.",
          badCount, rowsIn, 100 * share, ConfigKeys.MAX_BAD_SHARE.name(), bound, reasons, ctx.paths().badRecords());
    }
    return byReasonAndForgotten.stream().filter(r -> r.isNullAt(0)).mapToLong(r -> r.getLong(2)).sum();
  }

  /**
   * The run's pairs ({@code user_id, item_id, strength, n_events, first_ts, last_ts}: events within the run's
   * window, of users who did not ask to be forgotten, strength above zero), the per-pair aggregate they come from
   * ({@code perPair}, cached), how many events the run keeps and how many of them are over the per-user cap.
   */
  private record RunPairs(Dataset<Row> perPair, Dataset<Row> pairs, long keptCount, long overCap) {
    void unpersist() {
      pairs.unpersist();
      perPair.unpersist();
    }
  }

  /**
   * Weights the run's events into pairs and reports what each rule dropped. One aggregate per (user, item) pair
   * over the distinct valid events gives both the strengths (over the run's events) and every count (duplicates,
   * outside the window, forgotten, over the cap, the date's activity), summed per user and per item from the
   * pairs, which are fewer than the events: no count redoes the de-duplication's shuffle or re-reads the events.
   */
  private RunPairs weighRunEvents(Dataset<Row> annotated, long validRows, Dataset<Row> forgotten, long endMicros,
      InteractionWeighter weighter) {
    int cap = weighter.maxEventsPerUser();
    Dataset<Row> valid = distinctValid(annotated.where(col(EventValidator.REASON).isNull()));
    Column inWindow = windowCondition(endMicros, config.get(ConfigKeys.LOOKBACK_DAYS));
    // The run date's own events, for the input drift measures (InputDrift), come out of the same aggregate.
    Timestamp dayStart = new Timestamp((endMicros - MICROS_PER_DAY) / 1000);
    Column onDate = inWindow.and(col("ts").geq(lit(dayStart)));
    List<String> types = List.copyOf(config.get(ConfigKeys.EVENT_WEIGHTS).keySet());
    List<Column> perPairCounts = new ArrayList<>(List.of(count(lit(1)).as("n_all"), min("ts").as("first_ts_all"),
        sum(when(inWindow, 1L).otherwise(0L)).as("n_window"), sum(when(onDate, 1L).otherwise(0L)).as("n_day")));
    List<Column> perUserAggs = new ArrayList<>(List.of(sum("n_window").as("n_window"), sum("n_day").as("n_day"),
        min("first_ts_all").as("first_ts")));
    for (int t = 0; t < types.size(); t++) {
      perPairCounts.add(sum(when(onDate.and(col("event_type").equalTo(types.get(t))), 1L).otherwise(0L))
          .as("n_type" + t));
      perUserAggs.add(sum("n_type" + t).as("n_type" + t));
    }
    Dataset<Row> perPair = weighter.strengths(valid, endMicros, inWindow, perPairCounts);
    perPair.persist(StorageLevel.MEMORY_AND_DISK()); // read by the counts below and, as the pairs, by the id maps
    Dataset<Row> perUser = perPair.groupBy("user_id").agg(sum("n_all").as("n"), perUserAggs.toArray(Column[]::new))
        .join(broadcast(forgotten.withColumn("forgotten", lit(true))), col("user_id").equalTo(col("id")), "left");
    Column forgottenUser = col("forgotten").isNotNull();
    Column activeOnDate = forgottenUser.unary_$bang().and(col("n_day").gt(0));
    List<Column> totals = new ArrayList<>(List.of(sum("n_window"),
        sum(when(forgottenUser, col("n_window")).otherwise(0L)),
        sum(when(forgottenUser, 0L).otherwise(greatest(col("n_window").minus(cap), lit(0L)))),
        sum(when(forgottenUser, 0L).otherwise(col("n_day"))), sum(when(activeOnDate, 1L).otherwise(0L)),
        sum(when(activeOnDate.and(col("first_ts").geq(lit(dayStart))), 1L).otherwise(0L))));
    for (int t = 0; t < types.size(); t++) {
      totals.add(sum(when(forgottenUser, 0L).otherwise(col("n_type" + t))));
    }
    Row counts = perUser.agg(sum("n"), totals.toArray(Column[]::new)).first();
    long validCount = longOrZero(counts, 0);
    long windowCount = longOrZero(counts, 1);
    long forgottenCount = longOrZero(counts, 2);
    long overCap = longOrZero(counts, 3);
    report.count("duplicate events dropped", validRows - validCount);
    report.count("events outside run window", validCount - windowCount);
    report.count("events of forgotten users", forgottenCount);
    report.count(InputDrift.EVENTS_ON_DATE, longOrZero(counts, 4));
    for (int t = 0; t < types.size(); t++) {
      report.count(InputDrift.TYPE_PREFIX + types.get(t), longOrZero(counts, 7 + t));
    }
    report.count(InputDrift.USERS_ON_DATE, longOrZero(counts, 5));
    report.count(InputDrift.NEW_USERS_ON_DATE, longOrZero(counts, 6));
    Row items = perPair.groupBy("item_id").agg(sum("n_day").as("n_day"), min("first_ts_all").as("first_ts"))
        .agg(sum(when(col("n_day").gt(0), 1L).otherwise(0L)),
            sum(when(col("n_day").gt(0).and(col("first_ts").geq(lit(dayStart))), 1L).otherwise(0L))).first();
    report.count(InputDrift.ITEMS_ON_DATE, longOrZero(items, 0));
    report.count(InputDrift.NEW_ITEMS_ON_DATE, longOrZero(items, 1));

    Dataset<Row> pairs;
    if (overCap == 0) {
      pairs = perPair.where(col("n_events").gt(0).and(col("strength").gt(0)))
          .join(broadcast(forgotten), col("user_id").equalTo(forgotten.col("id")), "left_anti")
          .select("user_id", "item_id", "strength", "n_events", "first_ts", "last_ts");
    } else {
      // The cap keeps each user's most recent events, so the pairs are weighted again from the capped events:
      // its window sorts every user's events, a cost paid only on the nights someone is over the cap.
      Dataset<Row> kept = valid.where(inWindow)
          .join(broadcast(forgotten), valid.col("user_id").equalTo(forgotten.col("id")), "left_anti");
      pairs = weighter.strengths(weighter.capPerUser(kept), endMicros).where(col("strength").gt(0));
      pairs.persist(StorageLevel.MEMORY_AND_DISK()); // read by the id maps and the split
    }
    return new RunPairs(perPair, pairs, windowCount - forgottenCount, overCap);
  }

  /**
   * Tonight's input measures against the last publications' (their manifests' input counts are this
   * step's counts), one summary line each, flagged past {@code recsys.drift.warn-factor}.
   */
  private void reportDrift(LocalDate date) {
    int nights = config.get(ConfigKeys.DRIFT_HISTORY_NIGHTS);
    List<Map<String, ?>> history = InputDrift.inputCounts(new Publications(ctx.files(), ctx.paths().outputRoot())
        .manifestsBefore(date, nights));
    Map<String, InputDrift.Measure> drift = InputDrift.compare(report.counts(), history, nights);
    double factor = config.get(ConfigKeys.DRIFT_WARN_FACTOR);
    InputDrift.describe(drift, factor).forEach((name, line) -> report.metric("input drift: " + name, line));
    drift.forEach((name, m) -> {
      if (m.drifted(factor)) {
        progress.phase(String.format(Locale.ROOT, "WARNING: input drift: %s is %.2fx its median over the last %d "
            + "nights (%s=%s)", name, m.ratio(), m.nights(), ConfigKeys.DRIFT_WARN_FACTOR.name(), factor));
      }
    });
  }

  /** A sum of no rows is null. */
  private static long longOrZero(Row row, int i) {
    return row.isNullAt(i) ? 0 : row.getLong(i);
  }

  /** The ids ({@code id}) of users who asked to be forgotten; none when there is no deletions input. */
  public static Dataset<Row> forgottenUsers(InputReader reader) {
    return reader.readOptional(InputSpec.DELETIONS)
        .map(d -> d.select(trim(col("user_id")).as("id")).where(col("id").isNotNull()).distinct())
        .orElseGet(() -> reader.spark().createDataFrame(List.of(), ID_ONLY));
  }

  /**
   * The valid rows of annotated events ({@code user_id, item_id, event_type, ts, value_d}), each once:
   * an event repeated exactly (same user, item, type, time, value) is an upstream replay, not a
   * second interaction; counting it twice would double its weight, and a retried feed would change results.
   */
  public static Dataset<Row> distinctValid(Dataset<Row> validRows) {
    // Hash-partitioned by user, a subset of the duplicate key, so that one shuffle serves the de-duplication and
    // what follows it per (user, item) pair (the weighting) and per user (the counts, the cap's window).
    return validRows.select("user_id", "item_id", "event_type", "ts", "value_d")
        .repartition(col("user_id")).dropDuplicates();
  }

  /** Events before {@code endMicros} and, when {@code lookbackDays > 0}, no older than that many days before it. */
  public static Dataset<Row> inWindow(Dataset<Row> events, long endMicros, int lookbackDays) {
    return events.where(windowCondition(endMicros, lookbackDays));
  }

  private static Column windowCondition(long endMicros, int lookbackDays) {
    Column before = col("ts").lt(lit(new Timestamp(endMicros / 1000)));
    return lookbackDays > 0
        ? before.and(col("ts").geq(lit(new Timestamp((endMicros - lookbackDays * 86_400_000_000L) / 1000))))
        : before;
  }

  /** The distinct ids ({@code id}) of {@code column} in the pairs and, when there is one, in the entity input. */
  private static Dataset<Row> tonightsIds(Dataset<Row> pairs, String column, Optional<Dataset<Row>> entities) {
    Dataset<Row> ids = pairs.select(col(column).as("id"));
    if (entities.isPresent()) {
      ids = ids.union(entities.get().select(col(column).as("id")));
    }
    return ids.distinct();
  }

  /** An id map as written: its live rows ({@code id, idx}, tombstones left out) and how many there are. */
  private record IdMapWritten(Dataset<Row> live, long ids) {}

  /** Writes the entity's id map for the run date; reports nothing (it runs beside the other entity's). */
  private IdMapWritten persistIdMap(String entity, Dataset<Row> ids, Dataset<Row> forgotten) {
    IdMap map = new IdMap(ctx.spark(), ctx.files(), ctx.paths().idMapRoot(entity));
    LocalDate date = ctx.paths().date();
    // Written as extend partitions it: a single file would put every id through one task.
    ctx.writeAtomically(map.extend(date, ids, forgotten), map.versionPath(date));
    Dataset<Row> live = map.read(date).where(col("id").isNotNull());
    return new IdMapWritten(live, live.count());
  }

  private Dataset<Row> mapped(IdMapWritten written, String entity) {
    report.count(entity + " in id map", written.ids());
    return written.live();
  }

  private void writeEntities(Dataset<Row> all, Dataset<Row> userMap, Dataset<Row> userIds, Dataset<Row> itemMap,
      Dataset<Row> itemIds, Optional<Dataset<Row>> catalogue, Optional<Dataset<Row>> users, InputReader reader) {
    Dataset<Row> interactionsPerUser = all.groupBy("user_idx").agg(count(lit(1)).as("n_interactions"));
    Dataset<Row> userTable = userMap.join(userIds, "id")
        .select(col("idx").as("user_idx"), col("id").as("user_id"))
        .join(interactionsPerUser, "user_idx", "left")
        .withColumn("n_interactions", coalesce(col("n_interactions"), lit(0L)));
    if (users.isPresent()) {
      userTable = userTable.join(users.get(), "user_id", "left");
    } else {
      userTable = userTable.withColumn("segment", lit(null).cast("string"));
    }
    Dataset<Row> userRows = userTable.select("user_idx", "user_id", "segment", "n_interactions").orderBy("user_idx");

    // A (user, item) pair is one row, so the rows per item are its distinct users.
    Dataset<Row> popularity = all.groupBy("item_idx").agg(count(lit(1)).as("popularity"));
    Dataset<Row> itemTable = itemMap.join(itemIds, "id")
        .select(col("idx").as("item_idx"), col("id").as("item_id"))
        .join(popularity, "item_idx", "left")
        .withColumn("popularity", coalesce(col("popularity"), lit(0L)));
    if (catalogue.isPresent()) {
      itemTable = itemTable.join(catalogue.get(), "item_id", "left");
    } else {
      itemTable = itemTable.withColumn("category", lit(null).cast("string"))
          .withColumn("available", lit(true)).withColumn("created_ts", lit(null).cast("timestamp"));
    }
    itemTable = itemTable.withColumn("available", coalesce(col("available"), lit(true)));
    Dataset<Row> itemRows = itemTable.select("item_idx", "item_id", "category", "available", "created_ts",
        "popularity").orderBy("item_idx");
    // The two tables share nothing: written at once.
    ConcurrentJobs.all(List.<Callable<?>>of(
        Executors.callable(() -> ctx.writeAtomically(userRows, ctx.paths().userTable())),
        Executors.callable(() -> ctx.writeAtomically(itemRows, ctx.paths().itemTable()))));
    Dataset<Row> items = ctx.read(ctx.paths().itemTable());
    ConcurrentJobs.Results counted = ConcurrentJobs.all(List.<Callable<?>>of(
        () -> ctx.read(ctx.paths().userTable()).count(), items::count, () -> items.where("NOT available").count()));
    report.count("users known", counted.<Long>get(0));
    report.count("items known", counted.<Long>get(1));
    report.count("items unavailable", counted.<Long>get(2));

    Dataset<Row> blocked = blockedItems(reader, items);
    ctx.writeAtomically(blocked.orderBy("item_idx"), ctx.paths().blockedItems());
    report.count("items blocklisted", ctx.read(ctx.paths().blockedItems()).count());
  }

  /**
   * The blocklist input as the {@code item_idx} of the {@code items} ({@code item_id, item_idx}) it
   * names; none when there is no blocklist input.
   */
  public static Dataset<Row> blockedItems(InputReader reader, Dataset<Row> items) {
    return reader.readOptional(InputSpec.BLOCKLIST)
        .map(b -> b.select(trim(col("item_id")).as("item_id")).distinct()
            .join(items.select("item_id", "item_idx"), "item_id").select("item_idx"))
        .orElseGet(() -> items.select("item_idx").limit(0));
  }

  /** The item catalogue input cleaned: one row per item id, category, created_ts, available (null: unknown). */
  public static Dataset<Row> cleanCatalogue(Dataset<Row> items) {
    return items
        .select(trim(col("item_id")).as("item_id"),
            when(trim(col("category")).equalTo(""), lit(null)).otherwise(trim(col("category"))).as("category"),
            expr("try_to_timestamp(trim(created_ts))").as("created_ts"),
            when(lower(trim(col("available"))).isin("false", "0", "no", "n"), lit(false))
                .when(lower(trim(col("available"))).isin("true", "1", "yes", "y"), lit(true)).as("available"))
        .where(col("item_id").isNotNull().and(col("item_id").notEqual("")))
        .groupBy("item_id")
        .agg(max("category").as("category"), max("created_ts").as("created_ts"), expr("bool_and(available)")
            .as("available"));
  }

  private static Dataset<Row> cleanUsers(Dataset<Row> users) {
    return users
        .select(trim(col("user_id")).as("user_id"),
            when(trim(col("segment")).equalTo(""), lit(null)).otherwise(trim(col("segment"))).as("segment"))
        .where(col("user_id").isNotNull().and(col("user_id").notEqual("")))
        .groupBy("user_id").agg(max("segment").as("segment"));
  }

  /** Microseconds since the epoch at the end of {@code date} (00:00 UTC of the next day). */
  private static final long MICROS_PER_DAY = 86_400_000_000L;

  public static long endOfDayMicros(LocalDate date) {
    return date.plusDays(1).atStartOfDay().toEpochSecond(ZoneOffset.UTC) * 1_000_000L;
  }
}
