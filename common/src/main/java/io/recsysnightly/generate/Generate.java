package io.recsysnightly.generate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.timestamp_seconds;

import io.recsysnightly.io.FileStore;
import io.recsysnightly.report.StepReport;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Writes a synthetic data set in the pipeline's input schema: events, items, users, deletions and
 * blocklist, plus a {@code recsys.properties} that points the pipeline at them. Users are split into
 * a number of tasks fixed by the scale (not by the cluster), each user's events come from their own
 * random stream, so the same spec always writes the same rows in the same files' order.
 */
public final class Generate {
  /** Events per generation task: the number of tasks (and event files) depends on the spec only. */
  private static final long EVENTS_PER_TASK = 1_000_000L;
  /** The folder column of events written by day (UTC dates). */
  public static final String DAY = "day";

  public static final StructType EVENTS = new StructType()
      .add("user_id", DataTypes.StringType, false)
      .add("item_id", DataTypes.StringType, false)
      .add("event_type", DataTypes.StringType, false)
      .add("event_ts", DataTypes.LongType, false)
      .add("value", DataTypes.DoubleType, true);
  public static final StructType ITEMS = new StructType()
      .add("item_id", DataTypes.StringType, false)
      .add("category", DataTypes.StringType, false)
      .add("created_ts", DataTypes.LongType, false)
      .add("available", DataTypes.BooleanType, false);
  public static final StructType USERS = new StructType()
      .add("user_id", DataTypes.StringType, false)
      .add("segment", DataTypes.StringType, false);
  public static final StructType IDS_USER = new StructType().add("user_id", DataTypes.StringType, false);
  public static final StructType IDS_ITEM = new StructType().add("item_id", DataTypes.StringType, false);

  private final SparkSession spark;
  private final FileStore files;

  public Generate(SparkSession spark) {
    this.spark = spark;
    this.files = new FileStore(spark.sparkContext().hadoopConfiguration());
  }

  /** Number of generation tasks for a spec (and so of event files). */
  public static int tasks(GenerateSpec spec) {
    long t = (spec.events() + EVENTS_PER_TASK - 1) / EVENTS_PER_TASK;
    return (int) Math.max(2, Math.min(Math.min(t, 2000), spec.users()));
  }

  /** The events of a spec as a Dataset (lazy), in {@link #tasks} partitions of contiguous users. */
  public Dataset<Row> events(GenerateSpec spec, EventGenerator generator) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<EventGenerator> gen = jsc.broadcast(generator);
    int tasks = tasks(spec);
    List<Integer> ids = IntStream.range(0, tasks).boxed().toList();
    JavaRDD<Row> rows = jsc.parallelize(ids, tasks).mapPartitions(new EventRows(gen, tasks));
    return spark.createDataFrame(rows, EVENTS);
  }

  /**
   * Generates and writes everything under {@code dir}; {@code format} is parquet or csv. With {@code byDay}
   * the events go one folder per day ({@code events.parquet/day=YYYY-MM-DD/}, one file each), so a
   * multi-night scenario can hand the pipeline its input as it would arrive: one more day every night.
   *
   * @return what was written: counts, paths and seconds, also saved as {@code generate.json}
   */
  public Map<String, Object> write(GenerateSpec spec, Path dir, String format, boolean byDay) {
    long t0 = System.nanoTime();
    String ext = "." + format.toLowerCase(Locale.ROOT);
    EventGenerator generator = new EventGenerator(spec);
    files.mkdirs(dir);

    Dataset<Row> events = events(spec, generator);
    if (byDay) {
      // Sorted within each day's single file, so the same spec still writes the same files.
      events = events.withColumn(DAY, date_format(timestamp_seconds(col("event_ts")), "yyyy-MM-dd"))
          .repartition(col(DAY)).sortWithinPartitions(DAY, "user_id", "event_ts", "item_id", "event_type");
    }
    writeAtomically(events, new Path(dir, "events" + ext), format, byDay ? List.of(DAY) : List.of());
    writeAtomically(itemTable(generator), new Path(dir, "items" + ext), format, List.of());
    writeAtomically(userTable(generator), new Path(dir, "users" + ext), format, List.of());
    Dataset<Row> deletions = deletions(generator);
    writeAtomically(deletions, new Path(dir, "deletions" + ext), format, List.of());
    Dataset<Row> blocklist = blocklist(generator);
    writeAtomically(blocklist, new Path(dir, "blocklist" + ext), format, List.of());

    String properties = properties(spec, dir, ext);
    files.writeTextAtomically(new Path(dir, "recsys.properties"), properties);

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("spec", spec.toMap());
    summary.put("format", format);
    summary.put("events_by_day", byDay);
    summary.put("tasks", tasks(spec));
    Map<String, Object> rows = new LinkedHashMap<>();
    // Exact by construction: every user has at least one event and the counts sum to the spec's total.
    rows.put("events", spec.events());
    rows.put("items", (long) spec.items());
    rows.put("users", (long) spec.users());
    rows.put("deletions", count(deletions));
    rows.put("blocklist", count(blocklist));
    summary.put("rows", rows);
    summary.put("seconds", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
    summary.put("path", dir.toString());
    files.writeTextAtomically(new Path(dir, "generate.json"), StepReport.toJson(summary));
    return summary;
  }

  /**
   * The pipeline configuration for the generated inputs: run date = the window's last day. Its folders
   * are relative to the file itself, so the folder can be moved or run from anywhere.
   */
  static String properties(GenerateSpec spec, Path dir, String ext) {
    return "# Written by `recsys generate`: the pipeline's inputs for this synthetic data set.\n"
        + "# Run it with: jobs/bin/recsys nightly --conf " + new Path(dir, "recsys.properties") + "\n"
        + "# Spec: " + spec.toMap() + "\n"
        + "recsys.input.root=.\n"
        + "recsys.input.events=events" + ext + "\n"
        + "recsys.input.items=items" + ext + "\n"
        + "recsys.input.users=users" + ext + "\n"
        + "recsys.input.deletions=deletions" + ext + "\n"
        + "recsys.input.blocklist=blocklist" + ext + "\n"
        + "recsys.output.root=out\n"
        + "recsys.run.date=" + spec.endDate() + "\n";
  }

  private Dataset<Row> itemTable(EventGenerator g) {
    List<Row> rows = new ArrayList<>(g.spec().items());
    for (int i = 0; i < g.spec().items(); i++) {
      rows.add(RowFactory.create(EventGenerator.itemId(i), EventGenerator.categoryName(g.categoryOf(i)),
          g.createdSecond(i), g.available(i)));
    }
    return spark.createDataFrame(rows, ITEMS).repartition(1);
  }

  private Dataset<Row> userTable(EventGenerator g) {
    List<Row> rows = new ArrayList<>(g.spec().users());
    for (int u = 0; u < g.spec().users(); u++) {
      rows.add(RowFactory.create(EventGenerator.userId(u), g.segmentOf(u)));
    }
    return spark.createDataFrame(rows, USERS).repartition(1);
  }

  private Dataset<Row> deletions(EventGenerator g) {
    List<Row> rows = new ArrayList<>();
    for (int u = 0; u < g.spec().users(); u++) {
      if (g.deleted(u)) {
        rows.add(RowFactory.create(EventGenerator.userId(u)));
      }
    }
    return spark.createDataFrame(rows, IDS_USER).repartition(1);
  }

  private Dataset<Row> blocklist(EventGenerator g) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < g.spec().items(); i++) {
      if (g.blocked(i)) {
        rows.add(RowFactory.create(EventGenerator.itemId(i)));
      }
    }
    return spark.createDataFrame(rows, IDS_ITEM).repartition(1);
  }

  private static long count(Dataset<Row> local) {
    return local.count();
  }

  /** Writes to a hidden sibling and swaps it in; one folder per value of the {@code partitionBy} columns. */
  private void writeAtomically(Dataset<Row> data, Path target, String format, List<String> partitionBy) {
    Path tmp = new Path(target.getParent(), "_tmp-" + target.getName() + "-" + UUID.randomUUID());
    DataFrameWriter<Row> writer = data.write().mode(SaveMode.Overwrite).partitionBy(partitionBy.toArray(String[]::new));
    if (format.equals("csv")) {
      writer.option("header", "true").csv(tmp.toString());
    } else {
      writer.parquet(tmp.toString());
    }
    files.swapDirectory(tmp, target);
  }

  /** One task: the events of its contiguous range of users. */
  private static final class EventRows implements FlatMapFunction<Iterator<Integer>, Row> {
    private final Broadcast<EventGenerator> generator;
    private final int tasks;

    EventRows(Broadcast<EventGenerator> generator, int tasks) {
      this.generator = generator;
      this.tasks = tasks;
    }

    @Override
    public Iterator<Row> call(Iterator<Integer> taskIds) {
      EventGenerator g = generator.value();
      int users = g.spec().users();
      List<int[]> ranges = new ArrayList<>();
      taskIds.forEachRemaining(t -> ranges.add(new int[] {(int) ((long) users * t / tasks),
          (int) ((long) users * (t + 1) / tasks)}));
      return new Iterator<>() {
        private int range = 0;
        private int user = -1;
        private final List<Row> pending = new ArrayList<>();
        private int next = 0;

        @Override
        public boolean hasNext() {
          while (next >= pending.size()) {
            pending.clear();
            next = 0;
            if (range >= ranges.size()) {
              return false;
            }
            int[] r = ranges.get(range);
            user = user < 0 ? r[0] : user;
            if (user >= r[1]) {
              range++;
              user = -1;
              continue;
            }
            String uid = EventGenerator.userId(user);
            g.generate(user, user + 1, (u, item, rating, value, second) -> pending.add(RowFactory.create(uid,
                EventGenerator.itemId(item), rating ? "rating" : "tag", second, rating ? value : null)));
            user++;
          }
          return true;
        }

        @Override
        public Row next() {
          return pending.get(next++);
        }
      };
    }
  }
}
