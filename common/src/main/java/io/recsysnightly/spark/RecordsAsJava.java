package io.recsysnightly.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Lets Kryo ({@code spark.serializer} in conf/spark-cluster.conf) ship Java records: its field serializer
 * cannot (it fails on "can't get field offset on a record class"), and the pipeline broadcasts records (the
 * evaluation's item info, factor matrices). Records are written with Java serialisation instead; they are
 * small driver-side values, so the cost is negligible. {@link SparkSessions} adds this registrator to every
 * session.
 */
public final class RecordsAsJava implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
  }
}
