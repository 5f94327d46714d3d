package io.recsysnightly.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.recsysnightly.als.FactorMatrix;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/** Spark's own Kryo serializer, configured as the sessions are, round-trips the records the pipeline broadcasts. */
class RecordsAsJavaTest {
  private static final ClassTag<Object> ANY = ClassTag$.MODULE$.AnyRef();

  @Test
  void kryoShipsRecordsOnlyWithTheRegistrator() {
    FactorMatrix m = new FactorMatrix(new float[] {1f, 2f, 3f, 4f}, new int[] {7, 9}, 2);
    SparkConf kryo = new SparkConf().set("spark.serializer", KryoSerializer.class.getName());
    // Without it Kryo's field serializer fails on records: the reason the registrator exists.
    assertThrows(RuntimeException.class, () -> new KryoSerializer(kryo.clone()).newInstance().serialize(m, ANY));

    SerializerInstance configured = new KryoSerializer(SparkSessions.configured(kryo.clone(), "test")).newInstance();
    FactorMatrix back = (FactorMatrix) configured.deserialize(configured.serialize(m, ANY), ANY);
    assertArrayEquals(m.vectors(), back.vectors());
    assertArrayEquals(m.ids(), back.ids());
    assertEquals(2, back.rank());
  }

  @Test
  void aUsersOwnRegistratorIsKept() {
    SparkConf conf = SparkSessions.configured(new SparkConf().set("spark.kryo.registrator", "com.example.Theirs"),
        "test");
    assertEquals("com.example.Theirs," + RecordsAsJava.class.getName(), conf.get("spark.kryo.registrator"));
    assertEquals("com.example.Theirs," + RecordsAsJava.class.getName(),
        SparkSessions.configured(conf, "test").get("spark.kryo.registrator"), "added once");
  }
}
