package io.recsysnightly.spark;

import java.util.List;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/** Conversions for building Rows by hand: Spark's row encoder wants Scala sequences for arrays. */
public final class SparkRows {
  private SparkRows() {}

  public static <T> Seq<T> seq(List<T> values) {
    return CollectionConverters.asScala(values).toSeq();
  }
}
