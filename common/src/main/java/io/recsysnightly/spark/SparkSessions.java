package io.recsysnightly.spark;

import java.util.Arrays;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Creates the session every command runs in. Settings given by spark-submit or spark-defaults win;
 * the ones here are only defaults that the pipeline's contracts rely on.
 */
public final class SparkSessions {
  private static final String REGISTRATOR = "spark.kryo.registrator";

  private SparkSessions() {}

  public static SparkSession create(String appName) {
    return SparkSession.builder().config(configured(new SparkConf(), appName)).getOrCreate();
  }

  /** {@code conf} with the pipeline's defaults where it has no value of its own. */
  static SparkConf configured(SparkConf conf, String appName) {
    // A plain `java` launch (the local launcher, tests) has no master: run on this machine's cores.
    conf.setIfMissing("spark.master", "local[*]");
    conf.setIfMissing("spark.app.name", appName);
    // Run dates and event timestamps are UTC, whatever the machine's zone.
    conf.setIfMissing("spark.sql.session.timeZone", "UTC");
    // INT96 timestamps are misread by pyarrow unless told; analysts read our Parquet.
    conf.setIfMissing("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    // Under spark-submit Spark's built-in log4j2 profile logs INFO for every start-up step; WARN from
    // the start (a user's spark.log.level wins). Plain java launches use the jar's log4j2.properties.
    conf.setIfMissing("spark.log.level", "WARN");
    conf.setIfMissing("spark.sql.shuffle.partitions", String.valueOf(defaultShufflePartitions(conf)));
    conf.setIfMissing("spark.sql.adaptive.enabled", "true");
    // Spark 4's per-session artifact isolation puts an ExecutorClassLoader under Janino, so each type
    // name its generated code probes misses through an RPC class fetch and a scan of every jar on the
    // classpath. The pipeline adds no session artifacts, so isolation buys nothing here (SPARK-49249).
    conf.setIfMissing("spark.sql.artifact.isolation.enabled", "false");
    // With Kryo (the cluster settings) records need a serializer Kryo lacks; added to a user's own registrators.
    String registrators = conf.get(REGISTRATOR, "");
    if (!Arrays.asList(registrators.split(",")).contains(RecordsAsJava.class.getName())) {
      conf.set(REGISTRATOR, (registrators.isBlank() ? "" : registrators + ",") + RecordsAsJava.class.getName());
    }
    return conf;
  }

  /** 200 shuffle partitions is far too many for one machine; a few per core keeps tasks meaningful. */
  private static int defaultShufflePartitions(SparkConf conf) {
    String master = conf.get("spark.master");
    if (master.startsWith("local")) {
      return Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    }
    return 200;
  }
}
