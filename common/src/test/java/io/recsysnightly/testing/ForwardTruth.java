package io.recsysnightly.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;

/**
 * The forward check's metrics computed by DuckDB from the files alone (a publication's Parquet and the
 * events input), as the independent truth ForwardCheck is compared with: for the users of one group with a
 * non-empty list and an item first seen from {@code since} to the end of {@code until}, hit rate, recall and
 * NDCG at K of their served list, or of the publication's __all__ list without their earlier items.
 */
public final class ForwardTruth {
  private ForwardTruth() {}

  /**
   * @param events a DuckDB relation with {@code user_id, item_id, event_ts}, e.g. {@code read_parquet('...')}
   * @param personal the users served from a personal vector (else those served a segment or global mean)
   * @return hit rate, recall and NDCG at k
   */
  public static double[] metrics(Path publication, String events, LocalDate since, LocalDate until, int k,
      boolean personal, boolean starterAll) throws SQLException {
    String from = "TIMESTAMP '" + since + " 00:00:00'";
    String to = "TIMESTAMP '" + until.plusDays(1) + " 00:00:00'";
    String recs = "read_parquet('" + publication.resolve("recommendations/*.parquet") + "', hive_partitioning = false)";
    String sources = personal ? "('als', 'fold_in')" : "('segment_mean', 'global_mean')";
    String lists = starterAll
        ? "SELECT u.user_id, a.item_id, row_number() OVER (PARTITION BY u.user_id ORDER BY a.rank) AS pos "
            + "FROM users u, (SELECT UNNEST(recs, recursive := true) FROM read_parquet('"
            + publication.resolve("segment_recommendations/*.parquet") + "', hive_partitioning = false) "
            + "WHERE segment = '__all__') a "
            + "WHERE (u.user_id, a.item_id) NOT IN (SELECT user_id, item_id FROM pairs WHERE first_ts < " + from + ")"
        : "SELECT user_id, r.item_id AS item_id, r.rank AS pos FROM (SELECT user_id, UNNEST(recs) AS r FROM " + recs
            + ") WHERE user_id IN (SELECT user_id FROM users)";
    String sql = "WITH pairs AS (SELECT trim(user_id) AS user_id, trim(item_id) AS item_id, "
        + "min(CAST(event_ts AS TIMESTAMP)) AS first_ts FROM " + events + " WHERE CAST(event_ts AS TIMESTAMP) < " + to
        + " GROUP BY ALL), "
        + "fresh AS (SELECT user_id, item_id FROM pairs WHERE first_ts >= " + from + "), "
        + "users AS (SELECT DISTINCT user_id FROM " + recs + " WHERE source IN " + sources
        + " AND len(recs) > 0 AND user_id IN (SELECT user_id FROM fresh)), "
        + "lists AS (" + lists + "), "
        + "per_user AS (SELECT u.user_id, (SELECT count(*) FROM fresh f WHERE f.user_id = u.user_id) AS relevant, "
        + "(SELECT count(*) FROM lists l JOIN fresh f USING (user_id, item_id) WHERE l.user_id = u.user_id AND l.pos <= "
        + k + ") AS hits, "
        + "coalesce((SELECT sum(1 / log2(l.pos + 1)) FROM lists l JOIN fresh f USING (user_id, item_id) "
        + "WHERE l.user_id = u.user_id AND l.pos <= " + k + "), 0) AS dcg FROM users u) "
        + "SELECT avg(CASE WHEN hits > 0 THEN 1.0 ELSE 0.0 END), avg(hits / relevant), "
        + "avg(dcg / (SELECT sum(1 / log2(i + 1)) FROM range(1, least(relevant, " + k + ") + 1) t(i))), count(*) "
        + "FROM per_user";
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return new double[] {rs.getDouble(1), rs.getDouble(2), rs.getDouble(3), rs.getLong(4)};
    }
  }
}
