package io.recsysnightly.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.recsysnightly.RecsysException;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Reads an input in CSV, Parquet or JSON lines and returns exactly its declared columns as strings
 * (absent optional columns as nulls), so validation parses every format the same way; except the spec's typed
 * columns where the file holds a whole number, a double or a timestamp ({@link #TYPED}): those keep their type,
 * because printing ten million Parquet longs to text only to parse them back costs more than reading them. A missing
 * file, a file not in the declared format or a missing column fails with exit code 3 and a message
 * naming the file and the column.
 */
public final class InputReader {
  private static final byte[] PARQUET_MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  /** The types a typed column keeps; any other type is read as text. */
  public static final Set<DataType> TYPED = Set.of(DataTypes.ByteType, DataTypes.ShortType, DataTypes.IntegerType,
      DataTypes.LongType, DataTypes.DoubleType, DataTypes.TimestampType);

  private final SparkSession spark;
  private final PipelineConfig config;
  private final RunPaths paths;
  private final FileStore files;

  public InputReader(SparkSession spark, PipelineConfig config, RunPaths paths) {
    this.spark = spark;
    this.config = config;
    this.paths = paths;
    this.files = new FileStore(spark.sparkContext().hadoopConfiguration());
  }

  public SparkSession spark() {
    return spark;
  }

  /** The input, or empty when it is optional and not configured. */
  public Optional<Dataset<Row>> readOptional(InputSpec spec) {
    String configured = config.get(spec.pathKey());
    if (configured.isEmpty()) {
      if (spec.mandatory()) {
        throw RecsysException.config("%s is empty but the %s input is required.", spec.pathKey().name(),
            spec.name());
      }
      return Optional.empty();
    }
    return Optional.of(read(spec, paths.input(configured)));
  }

  public Dataset<Row> read(InputSpec spec) {
    return readOptional(spec).orElseThrow();
  }

  public Dataset<Row> read(InputSpec spec, Path path) {
    if (!files.exists(path)) {
      throw RecsysException.input("The %s input %s does not exist. Check %s (now '%s') and %s.", spec.name(),
          path, spec.pathKey().name(), config.get(spec.pathKey()), ConfigKeys.INPUT_ROOT.name());
    }
    String format = formatOf(path);
    Dataset<Row> raw = load(spec, path, format);
    List<String> present = Arrays.stream(raw.columns()).map(c -> c.toLowerCase(Locale.ROOT)).toList();
    for (String column : spec.required()) {
      if (!present.contains(column)) {
        throw RecsysException.input("The %s input %s (read as %s) has no column '%s'; it has %s. Required "
                + "columns: %s. Fix the file, or set %s if the format is wrong.", spec.name(), path, format,
            column, present, spec.required(), ConfigKeys.INPUT_FORMAT.name());
      }
    }
    List<Column> columns = new ArrayList<>();
    for (String column : spec.required()) {
      columns.add(asRead(raw, spec, column));
    }
    for (String column : spec.optional()) {
      columns.add(present.contains(column) ? asRead(raw, spec, column) : lit(null).cast("string").as(column));
    }
    return raw.select(columns.toArray(new Column[0]));
  }

  private static Column asRead(Dataset<Row> raw, InputSpec spec, String column) {
    DataType type = Arrays.stream(raw.schema().fields()).filter(f -> f.name().equalsIgnoreCase(column))
        .findFirst().orElseThrow().dataType();
    return (spec.typed().contains(column) && TYPED.contains(type) ? col(column) : col(column).cast("string"))
        .as(column);
  }

  private String formatOf(Path path) {
    String configured = config.get(ConfigKeys.INPUT_FORMAT);
    if (!configured.equals("auto")) {
      return configured;
    }
    String name = path.getName().toLowerCase(Locale.ROOT).replaceAll("\\.(gz|bz2|snappy|zst)$", "");
    if (name.endsWith(".parquet") || (!files.isFile(path) && !name.contains("."))) {
      return "parquet";
    }
    if (name.endsWith(".json") || name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
      return "json";
    }
    if (name.endsWith(".csv") || name.endsWith(".tsv") || name.endsWith(".txt")) {
      return "csv";
    }
    throw RecsysException.input("Cannot tell the format of the %s input %s from its name: use .csv, .parquet "
        + "or .json, or set %s.", path.getName(), path, ConfigKeys.INPUT_FORMAT.name());
  }

  private Dataset<Row> load(InputSpec spec, Path path, String format) {
    if (!format.equals("parquet") && files.isFile(path)
        && Arrays.equals(files.head(path, PARQUET_MAGIC.length), PARQUET_MAGIC)) {
      throw RecsysException.input("The %s input %s is a Parquet file but was declared %s. Rename it to "
          + ".parquet or set %s=parquet.", spec.name(), path, format, ConfigKeys.INPUT_FORMAT.name());
    }
    if (format.equals("parquet")) {
      checkParquetFiles(spec, path);
    }
    try {
      Dataset<Row> df = switch (format) {
        // escape '"': RFC 4180 doubles a quote inside a quoted field ("u""q" is u"q); Spark's default is '\\'.
        case "csv" -> spark.read().option("header", "true").option("inferSchema", "false")
            .option("mode", "PERMISSIVE").option("multiLine", "false").option("escape", "\"")
            .csv(path.toString());
        case "json" -> spark.read().option("mode", "PERMISSIVE").json(path.toString());
        default -> spark.read().parquet(path.toString());
      };
      df.schema(); // reads the CSV header or JSON sample now, inside this try
      return df;
    } catch (RuntimeException e) {
      String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw new RecsysException(RecsysException.EXIT_INPUT, String.format(
          "The %s input %s is not readable as %s: %s. Check the file or set %s.", spec.name(), path, format,
          reason, ConfigKeys.INPUT_FORMAT.name()), e);
    }
  }

  /** Spark only notices a non-Parquet file when a task reads it; check the magic bytes up front. */
  private void checkParquetFiles(InputSpec spec, Path path) {
    List<Path> dataFiles = files.isFile(path) ? List.of(path)
        : files.listNames(path).stream().filter(n -> !n.startsWith("_") && !n.startsWith("."))
            .map(n -> new Path(path, n)).filter(files::isFile).toList();
    for (Path file : dataFiles) {
      if (!Arrays.equals(files.head(file, PARQUET_MAGIC.length), PARQUET_MAGIC)) {
        throw RecsysException.input("The %s input %s is not readable as parquet: %s is not a Parquet file. Check "
            + "the file or set %s to its real format.", spec.name(), path, file.getName(), ConfigKeys.INPUT_FORMAT.name());
      }
    }
  }
}
