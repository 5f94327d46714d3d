package io.recsysnightly.experiment;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Which variant of an A/B experiment a user belongs to: weighted rendezvous hashing. For user u the
 * variant v with the smallest {@code -ln(U(salt, u, v)) / share(v)} wins, U uniform in (0, 1) from a
 * fixed 64-bit hash of the text (the same in every JVM, process and version). So a user is in v with
 * probability share(v) / sum of shares, stays there night after night, moves only into a variant that
 * is added (and only as many users as its share takes), and a new salt reshuffles everyone.
 */
public final class VariantAssignment implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Rows of the {@code assignments} dataset. */
  public static final StructType SCHEMA = new StructType()
      .add("user_id", DataTypes.StringType, false)
      .add("variant", DataTypes.StringType, false);

  private final String salt;
  private final String[] names;
  private final double[] shares;

  /** @param shares variant name to its traffic share (> 0), in the configured order */
  public VariantAssignment(String salt, Map<String, Double> shares) {
    if (shares.isEmpty()) {
      throw new IllegalArgumentException("An assignment needs at least one variant");
    }
    this.salt = salt;
    this.names = shares.keySet().toArray(String[]::new);
    this.shares = shares.values().stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** This assignment restricted to {@code kept}: users of the others move, by the same hash, to the rest. */
  public VariantAssignment among(Collection<String> kept) {
    Map<String, Double> rest = new LinkedHashMap<>();
    for (int v = 0; v < names.length; v++) {
      if (kept.contains(names[v])) {
        rest.put(names[v], shares[v]);
      }
    }
    return new VariantAssignment(salt, rest);
  }

  public String variantOf(String userId) {
    int best = 0;
    double bestScore = Double.POSITIVE_INFINITY;
    for (int v = 0; v < names.length; v++) {
      double score = -Math.log(uniform(salt, userId, names[v])) / shares[v];
      if (score < bestScore) {
        bestScore = score;
        best = v;
      }
    }
    return names[best];
  }

  /** {@code user_id, variant} for every row of {@code users} (which has a {@code user_id} column). */
  public Dataset<Row> assign(Dataset<Row> users) {
    MapFunction<Row, Row> assignOne = r -> RowFactory.create(r.getString(0), variantOf(r.getString(0)));
    return users.select("user_id").map(assignOne, Encoders.row(SCHEMA));
  }

  /** A uniform number in the open interval (0, 1), a pure function of the three texts. */
  static double uniform(String salt, String userId, String variant) {
    // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
    String key = salt.length() + ":" + salt + "|" + userId.length() + ":" + userId + "|" + variant;
    return ((hash64(key) >>> 11) + 0.5) * 0x1.0p-53;
  }

  /** FNV-1a over the UTF-8 bytes, then MurmurHash3's 64-bit finaliser for avalanche on short keys. */
  static long hash64(String text) {
    long h = 0xcbf29ce484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
