package io.recsysnightly.spark;

import java.util.List;
import scala.collection.immutable.ArraySeq;
import scala.collection.immutable.Seq;

/** Java lists and arrays as Scala sequences, which Spark's row encoder (for array columns) and scopt take. */
public final class ScalaSeqs {
  private ScalaSeqs() {}

  public static <T> Seq<T> seq(List<T> values) {
    return seq(values.toArray());
  }

  /**
   * Wraps the array, without copying: an indexed sequence whose size is O(1). (Converting to Scala's
   * default immutable Seq builds a linked List, which the encoder then walks: about 30% of the non-kernel
   * time of the candidates stage, measured.) The caller must not modify the array afterwards.
   */
  @SuppressWarnings("unchecked")
  public static <T> Seq<T> seq(Object[] values) {
    return (Seq<T>) ArraySeq.unsafeWrapArray(values);
  }
}
