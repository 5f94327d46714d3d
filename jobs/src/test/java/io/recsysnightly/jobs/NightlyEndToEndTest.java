package io.recsysnightly.jobs;

import static io.recsysnightly.jobs.SampleRun.duckdb;
import static io.recsysnightly.jobs.SampleRun.duckdbLong;
import static io.recsysnightly.jobs.SampleRun.parquet;
import static io.recsysnightly.jobs.SampleRun.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.report.StepReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * `nightly` on data-samples/, every output read back with DuckDB and checked against truths taken
 * from the sample's CSV files directly (not from the pipeline's own intermediates).
 */
class NightlyEndToEndTest {
  private static final String RECS = "(SELECT user_id, UNNEST(recs) AS rec, generate_subscripts(recs, 1) AS pos FROM "
      + parquet("recommendations") + ")";

  @Test
  void noStepFunnelsItsRowsThroughOneWindowPartition() {
    // Spark warns "No Partition Defined for Window operation! Moving all data to a single partition".
    assertEquals(List.of(), SampleRun.windowWarnings(), "a window without partitionBy ran in the nightly");
  }

  @Test
  void latestPointsAtACompleteRun() throws IOException {
    Path out = SampleRun.output();
    assertEquals("dt=" + SampleRun.DATE, Files.readString(out.resolve("LATEST")).trim());
    for (String name : List.of("recommendations", "user_embeddings", "item_embeddings", "similar_items",
        "segment_recommendations", "category_recommendations", "manifest.json", "_SUCCESS")) {
      assertTrue(Files.exists(SampleRun.publication().resolve(name)), name + " is missing");
    }
    // Nothing else is left at the root: no staging folder, lock or temporary pointer.
    try (Stream<Path> root = Files.list(out)) {
      assertEquals(List.of("LATEST", "_work", "dt=" + SampleRun.DATE),
          root.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList());
    }
  }

  @Test
  void schemasAreAsDocumented() {
    assertEquals(Map.of("user_id", "VARCHAR", "recs",
        "STRUCT(item_id VARCHAR, score FLOAT, rank INTEGER, reason VARCHAR)[]",
        "source", "VARCHAR", "model_version", "VARCHAR"), schema("recommendations"));
    assertEquals(Map.of("user_id", "VARCHAR", "embedding", "FLOAT[]", "source", "VARCHAR", "n_interactions",
        "BIGINT", "model_version", "VARCHAR"), schema("user_embeddings"));
    assertEquals(Map.of("item_id", "VARCHAR", "embedding", "FLOAT[]", "category", "VARCHAR", "source", "VARCHAR",
        "popularity", "BIGINT", "model_version", "VARCHAR"), schema("item_embeddings"));
    assertEquals(Map.of("item_id", "VARCHAR", "similar", "STRUCT(item_id VARCHAR, score FLOAT, rank INTEGER)[]"),
        schema("similar_items"));
    assertEquals(Map.of("segment", "VARCHAR", "recs",
        "STRUCT(item_id VARCHAR, score FLOAT, rank INTEGER, reason VARCHAR)[]", "reason", "VARCHAR",
        "model_version", "VARCHAR"), schema("segment_recommendations"));
    assertEquals(Map.of("category", "VARCHAR", "recs", "STRUCT(item_id VARCHAR, score FLOAT, rank INTEGER)[]",
        "reason", "VARCHAR", "model_version", "VARCHAR"), schema("category_recommendations"));
  }

  @Test
  void oneRowPerUserWhoWasNotForgotten() {
    String expectedUsers = "(SELECT trim(user_id) AS user_id FROM " + sample("events.csv") + " UNION SELECT trim(user_id)"
        + " FROM " + sample("users.csv") + " EXCEPT SELECT trim(user_id) FROM " + sample("deletions.csv") + ")";
    long expected = duckdbLong("SELECT count(*) FROM " + expectedUsers);
    assertTrue(expected > 600, "sample has " + expected + " users");
    for (String dataset : List.of("recommendations", "user_embeddings")) {
      assertEquals(expected, duckdbLong("SELECT count(*) FROM " + parquet(dataset)), dataset);
      assertEquals(expected, duckdbLong("SELECT count(DISTINCT user_id) FROM " + parquet(dataset)), dataset);
      assertEquals(0, duckdbLong("SELECT count(*) FROM (SELECT user_id FROM " + parquet(dataset) + " EXCEPT SELECT "
          + "user_id FROM " + expectedUsers + ")"), dataset + " has users that should not be there");
    }
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + parquet("recommendations") + " WHERE len(recs) = 0"),
        "every user gets a list, cold ones included");
    // The eight sign-up users without events get their segment's mean vector (or the global mean).
    assertEquals(8, duckdbLong("SELECT count(*) FROM " + parquet("user_embeddings")
        + " WHERE source IN ('segment_mean', 'global_mean') AND n_interactions = 0"));
  }

  @Test
  void forgottenUsersAppearInNoOutputAtAll() throws IOException {
    List<String> forgotten = duckdb("SELECT trim(user_id) FROM " + sample("deletions.csv")).stream()
        .map(r -> (String) r.get(0)).toList();
    String inList = forgotten.stream().map(id -> "'" + id + "'").collect(Collectors.joining(", "));
    // Every Parquet dataset the run wrote, published or intermediate, every string column of it.
    List<Path> datasets;
    try (Stream<Path> files = Files.walk(SampleRun.output())) {
      datasets = files.filter(p -> p.toString().endsWith(".parquet")).map(Path::getParent).distinct().toList();
    }
    assertTrue(datasets.size() > 15, "found " + datasets.size() + " datasets");
    for (Path dataset : datasets) {
      String source = "read_parquet('" + dataset + "/*.parquet')";
      for (List<Object> column : duckdb("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + source + ")")) {
        if (column.get(1).equals("VARCHAR")) {
          assertEquals(0, duckdbLong("SELECT count(*) FROM " + source + " WHERE \"" + column.get(0) + "\" IN ("
              + inList + ")"), "a forgotten user in " + dataset + " column " + column.get(0));
        }
      }
    }
    String manifest = Files.readString(SampleRun.publication().resolve("manifest.json"));
    forgotten.forEach(id -> assertTrue(!manifest.contains("\"" + id + "\""), id + " in the manifest"));
  }

  @Test
  void listsHoldNoSeenBlockedOrUnavailableItem() {
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + RECS + " r JOIN " + sample("events.csv")
        + " e ON trim(e.user_id) = r.user_id AND trim(e.item_id) = r.rec.item_id"), "a seen item was recommended");
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + RECS + " r JOIN " + sample("blocklist.csv")
        + " b ON trim(b.item_id) = r.rec.item_id"), "a blocked item was recommended");
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + RECS + " r JOIN " + sample("items.csv")
        + " i ON trim(i.item_id) = r.rec.item_id WHERE i.available = 'false'"), "an unavailable item was recommended");
    String similar = "(SELECT item_id, UNNEST(\"similar\") AS s FROM " + parquet("similar_items") + ")";
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + similar + " x JOIN " + sample("blocklist.csv")
        + " b ON trim(b.item_id) = x.s.item_id"), "a blocked item was listed as similar");
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + similar + " WHERE s.item_id = item_id"),
        "an item was listed as similar to itself");
  }

  /**
   * Starter lists: one per segment of users with a personal vector plus __all__, no blocked or
   * unavailable item; a user without events gets exactly their segment's list (same mean vector, same
   * re-ranking rules);
   * category lists hold only items of their category.
   */
  @Test
  void starterListsPerSegmentAndCategory() {
    String personalSegments = "(SELECT DISTINCT u.segment FROM " + parquet("user_embeddings") + " e JOIN "
        + sample("users.csv") + " u ON trim(u.user_id) = e.user_id WHERE e.source IN ('als', 'fold_in')"
        + " AND nullif(trim(u.segment), '') IS NOT NULL)";
    String segments = parquet("segment_recommendations");
    assertEquals(duckdbLong("SELECT count(*) FROM " + personalSegments) + 1, duckdbLong("SELECT count(*) FROM "
        + segments), "one list per segment with personal vectors, plus __all__");
    assertEquals(1, duckdbLong("SELECT count(*) FROM " + segments + " WHERE segment = '__all__' AND len(recs) = 20"));
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + segments + " WHERE len(recs) <> 20 OR reason IS NULL"));
    String entries = "(SELECT segment, UNNEST(recs) AS rec, generate_subscripts(recs, 1) AS pos FROM " + segments + ")";
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + entries + " r JOIN " + sample("blocklist.csv")
        + " b ON trim(b.item_id) = r.rec.item_id"), "a blocked item in a starter list");
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + entries + " r JOIN " + sample("items.csv")
        + " i ON trim(i.item_id) = r.rec.item_id WHERE i.available = 'false'"), "an unavailable item in a starter list");
    // Users without events (segment_mean) and their segment's starter list: the same items in the same order.
    String cold = "(SELECT r.user_id, u.segment, rec, pos FROM " + RECS + " r JOIN " + parquet("user_embeddings")
        + " e ON e.user_id = r.user_id JOIN " + sample("users.csv") + " u ON trim(u.user_id) = r.user_id"
        + " WHERE e.source = 'segment_mean')";
    long coldEntries = duckdbLong("SELECT count(*) FROM " + cold);
    assertTrue(coldEntries >= 20, "the sample has cold users of segments with lists: " + coldEntries);
    assertEquals(coldEntries, duckdbLong("SELECT count(*) FROM " + cold + " c JOIN " + entries
        + " s ON s.segment = c.segment AND s.pos = c.pos AND s.rec.item_id = c.rec.item_id"
        + " AND s.rec.reason = c.rec.reason"), "a cold user's list differs from their segment's starter list");

    String categories = "(SELECT category, UNNEST(recs) AS rec FROM " + parquet("category_recommendations") + ")";
    assertTrue(duckdbLong("SELECT count(DISTINCT category) FROM " + categories) >= 15);
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + categories + " c JOIN " + sample("items.csv")
        + " i ON trim(i.item_id) = c.rec.item_id WHERE i.category <> c.category"), "an item listed under another category");
  }

  @Test
  void everyRecommendationSaysWhy() {
    String events = sample("events.csv");
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + RECS + " WHERE coalesce(rec.reason, '') = ''"), "no reason");
    // "because you interacted with X": X is an item of that user's events.
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + RECS + " r WHERE rec.reason LIKE 'because you interacted "
        + "with %' AND NOT EXISTS (SELECT 1 FROM " + events + " e WHERE trim(e.user_id) = r.user_id AND trim(e.item_id) "
        + "= substr(r.rec.reason, 29))"), "a reason names an item the user never interacted with");
    // Users without events (cold-start vectors) get the category kind of reason; the others the item kind.
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + RECS + " r WHERE NOT rec.reason LIKE 'popular%' AND NOT "
        + "EXISTS (SELECT 1 FROM " + events + " e WHERE trim(e.user_id) = r.user_id)"), "a cold user told of an item");
    assertTrue(duckdbLong("SELECT count(*) FROM " + RECS + " WHERE rec.reason LIKE 'because you interacted with %'")
        > 10_000, "users with events are told which of their items");
  }

  @Test
  void ranksRunOneToNWithScoresNonIncreasing() {
    assertEquals(20, duckdbLong("SELECT max(len(recs)) FROM " + parquet("recommendations")));
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + RECS + " WHERE rec.rank <> pos"), "ranks are not 1..N");
    assertEquals(0, duckdbLong("SELECT count(*) FROM (SELECT rec.score AS score, lag(rec.score) OVER (PARTITION BY "
        + "user_id ORDER BY pos) AS previous FROM " + RECS + ") WHERE score > previous"), "scores increase");
    String similar = "(SELECT item_id, UNNEST(\"similar\") AS s, generate_subscripts(\"similar\", 1) AS pos FROM "
        + parquet("similar_items") + ")";
    assertEquals(0, duckdbLong("SELECT count(*) FROM (SELECT s.rank AS r, pos, s.score AS score, lag(s.score) OVER "
        + "(PARTITION BY item_id ORDER BY pos) AS previous FROM " + similar + ") WHERE r <> pos OR score > previous"));
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + similar + " WHERE s.score > 1.0001 OR s.score < -1.0001"),
        "cosine out of [-1, 1]");
  }

  @SuppressWarnings("unchecked")
  @Test
  void manifestRecordsMetricsCountsAndAPassedGate() throws IOException {
    Map<String, Object> m = StepReport.parseJson(Files.readString(SampleRun.publication().resolve("manifest.json")));
    assertEquals(SampleRun.DATE, m.get("date"));
    assertTrue(((String) m.get("model_version")).startsWith(SampleRun.DATE + "-"));
    Map<String, Object> gate = (Map<String, Object>) m.get("gate");
    assertEquals(true, gate.get("passed"));
    Map<String, Object> metrics = (Map<String, Object>) m.get("metrics");
    double als = ((Number) ((Map<String, Object>) metrics.get("als")).get("ndcg@10")).doubleValue();
    double pop = ((Number) ((Map<String, Object>) metrics.get("popularity")).get("ndcg@10")).doubleValue();
    assertTrue(als > pop, "ALS " + als + " must beat popularity " + pop);
    Map<String, Object> outputs = (Map<String, Object>) m.get("output_counts");
    assertEquals(duckdbLong("SELECT count(*) FROM " + parquet("recommendations")),
        ((Number) outputs.get("recommendations")).longValue());
    assertEquals(104_168, ((Number) ((Map<String, Object>) m.get("input_counts")).get("event rows in")).longValue());
    assertEquals("2018-09-25", ((Map<String, Object>) m.get("config")).get("recsys.run.date"));
    assertTrue(((Map<String, Object>) m.get("steps")).keySet().containsAll(
        List.of("build-matrix", "train", "cold-start", "candidates", "rerank")));
  }

  private static Map<String, String> schema(String dataset) {
    Map<String, String> columns = new LinkedHashMap<>();
    for (List<Object> row : duckdb("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
        + parquet(dataset) + ")")) {
      columns.put((String) row.get(0), (String) row.get(1));
    }
    return columns;
  }
}
