package io.recsysnightly.testing;

import io.recsysnightly.spark.SparkSessions;
import org.apache.spark.sql.SparkSession;

/**
 * The one local[2] SparkSession every test in a JVM shares (surefire reuses one fork per module),
 * created through the same factory as production so tests see production's settings.
 */
public final class SharedSpark {
  private static SparkSession session;

  private SharedSpark() {}

  public static synchronized SparkSession get() {
    if (session == null) {
      System.setProperty("spark.master", "local[2]");
      System.setProperty("spark.driver.host", "127.0.0.1");
      System.setProperty("spark.driver.bindAddress", "127.0.0.1");
      System.setProperty("spark.ui.enabled", "false");
      System.setProperty("spark.sql.shuffle.partitions", "4");
      // The tests run the same pipeline queries again and again in this one session; Spark keeps 100
      // compiled classes by default, fewer than one nightly generates, so each run compiled them all anew
      // (a warm 619-event nightly: 31-34 s a run with 100, 24-26 s with 2000).
      System.setProperty("spark.sql.codegen.cache.maxEntries", "2000");
      session = SparkSessions.create("recsys-nightly tests");
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
    }
    return session;
  }
}
