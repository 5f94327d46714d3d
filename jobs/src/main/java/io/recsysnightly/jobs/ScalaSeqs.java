package io.recsysnightly.jobs;

import java.util.List;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/** Converts Java lists to the Scala sequences scopt's API takes. */
final class ScalaSeqs {
  private ScalaSeqs() {}

  static <T> Seq<T> seq(List<T> list) {
    return CollectionConverters.asScala(list).toSeq();
  }
}
