package io.recsysnightly.spark;

import java.util.List;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/** Java lists as Scala sequences, which Spark's row encoder (for array columns) and scopt take. */
public final class ScalaSeqs {
  private ScalaSeqs() {}

  public static <T> Seq<T> seq(List<T> values) {
    return CollectionConverters.asScala(values).toSeq();
  }
}
