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
      session = SparkSessions.create("recsys-nightly tests");
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
    }
    return session;
  }
}
