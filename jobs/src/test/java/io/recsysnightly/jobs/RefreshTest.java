package io.recsysnightly.jobs;

import static io.recsysnightly.jobs.SampleRun.duckdb;
import static io.recsysnightly.jobs.SampleRun.duckdbLong;
import static io.recsysnightly.jobs.SampleRun.parquet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.io.FileStore;
import io.recsysnightly.publish.Status;
import io.recsysnightly.report.Summary;
import io.recsysnightly.testing.NaiveFoldIn;
import io.recsysnightly.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * `refresh` after a nightly run on the small input: users with events since the publication get the
 * exact fold-in (checked against a direct solve of the normal equations written out here) and a list
 * that follows their new events; nobody else changes; a serving loader's merge (docs/refresh.md's query)
 * sees the refreshed lists for them and the nightly lists for everyone else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RefreshTest {
  private static final String AS_OF = "2024-03-02T12:00:00Z";
  /** u1 (taste: items 11-20) discovers items 31-36; new1 arrives; u2 acts but asked to be forgotten; u5 acts after as-of. */
  private static final String NEW_EVENTS = """
      u1,i31,rating,2024-03-02 08:00:00,5
      u1,i32,rating,2024-03-02 08:01:00,5
      u1,i33,rating,2024-03-02 08:02:00,4
      u1,i34,tag,2024-03-02 08:03:00,
      u1,i35,rating,2024-03-02 08:04:00,5
      u1,i36,rating,2024-03-02 08:05:00,5
      u1,i31,rating,2024-03-02 09:00:00,5
      new1,i1,rating,2024-03-02 10:00:00,4
      new1,i2,rating,2024-03-02 10:01:00,4
      new1,i3,tag,2024-03-02 10:02:00,
      u2,i21,rating,2024-03-02 10:30:00,3
      u5,i1,rating,2024-03-02 13:00:00,3
      """;

  @TempDir
  static Path dir;
  private SmallRun run;
  private Path publication;
  private String publicationDigest;

  @BeforeAll
  void publishTheNightThenActAndRefresh() throws Exception {
    run = new SmallRun(dir);
    run.runOk("nightly", SmallRun.D1);
    publication = run.out().resolve(run.latest());
    publicationDigest = digest(publication);
    Files.writeString(run.in().resolve("events.csv"), NEW_EVENTS, java.nio.file.StandardOpenOption.APPEND);
    Files.writeString(run.in().resolve("deletions.csv"), "user_id\nu2\n");
    run.runOk("refresh", null, "--as-of", AS_OF, "--set", "recsys.input.deletions=deletions.csv");
  }

  private Path delta() throws IOException {
    Path deltas = run.out().resolve("refresh").resolve(run.latest());
    return deltas.resolve(Files.readString(deltas.resolve("LATEST")).strip());
  }

  @Order(1)
  @Test
  void onlyUsersWithEventsSinceThePublicationAreRefreshedAndThePublicationIsUntouched() throws Exception {
    assertEquals("refresh/dt=" + SmallRun.D1 + "/delta=1", run.out().relativize(delta()).toString());
    assertTrue(Files.exists(delta().resolve("_SUCCESS")) && Files.exists(delta().resolve("manifest.json")));
    assertEquals(List.of(List.of("new1"), List.of("u1")), duckdb("SELECT user_id FROM "
        + parquet(delta().resolve("recommendations")) + " ORDER BY user_id"));
    assertEquals(List.of(List.of("new1"), List.of("u1")), duckdb("SELECT user_id FROM "
        + parquet(delta().resolve("user_embeddings")) + " ORDER BY user_id"));
    assertEquals(List.of(List.of("u2")), duckdb("SELECT user_id FROM " + parquet(delta().resolve("forgotten_users"))));
    assertEquals(List.of(List.of("refresh", "dt=" + SmallRun.D1, 2L)), duckdb("SELECT DISTINCT source, "
        + "(SELECT DISTINCT 'dt=' || left(model_version, 10) FROM " + parquet(publication.resolve("recommendations"))
        + "), count(*) OVER () FROM " + parquet(delta().resolve("recommendations"))));
    assertEquals(publicationDigest, digest(publication), "the publication's files changed");
    assertEquals("dt=" + SmallRun.D1, run.latest());
    String status = Summary.render(new Status(new FileStore(SharedSpark.get().sparkContext().hadoopConfiguration()),
        new org.apache.hadoop.fs.Path(run.out().toString()), 14).execute());
    assertTrue(status.contains("delta=1, as of " + AS_OF + ", 2 users refreshed"), status);
  }

  @Order(2)
  @Test
  void aRefreshedVectorEqualsADirectSolveOfTheNormalEquations() throws Exception {
    // Independent truth: strengths summed from the CSV by hand (rating 1.0, tag 0.5; no decay in the
    // shipped config), then the normal equations written out (alpha 1, lambda 0.1 as shipped).
    Map<String, double[]> factors = new HashMap<>();
    for (List<Object> r : duckdb("SELECT item_id, array_to_string(embedding, ',') FROM "
        + parquet(publication.resolve("item_embeddings")) + " WHERE source = 'als'")) {
      factors.put((String) r.get(0), parse((String) r.get(1)));
    }
    for (String user : List.of("u1", "new1")) {
      double[] expected = directSolve(strengths(user), factors, 1.0, 0.1);
      double[] actual = parse((String) duckdb("SELECT array_to_string(embedding, ',') FROM "
          + parquet(delta().resolve("user_embeddings")) + " WHERE user_id = '" + user + "'").get(0).get(0));
      assertEquals(expected.length, actual.length);
      for (int f = 0; f < expected.length; f++) {
        assertEquals(expected[f], actual[f], 1e-4 * Math.max(1, Math.abs(expected[f])), user + " factor " + f);
      }
    }
  }

  @Order(3)
  @Test
  void theRefreshedListFollowsTheNewEventsAndExcludesWhatWasSeen() throws Exception {
    List<String> before = items(parquet(publication.resolve("recommendations")), "u1");
    List<String> after = items(parquet(delta().resolve("recommendations")), "u1");
    assertEquals(5, after.size());
    for (String seen : List.of("i31", "i32", "i33", "i34", "i35", "i36")) {
      assertFalse(after.contains(seen), seen + " was interacted with: " + after);
    }
    // Items 31-36 u1 has now seen cannot stay in the list: count, before, only the C3 items still eligible.
    long c3Before = before.stream().filter(RefreshTest::inC3)
        .filter(i -> !List.of("i31", "i32", "i33", "i34", "i35", "i36").contains(i)).count();
    long c3After = after.stream().filter(RefreshTest::inC3).count();
    assertTrue(c3After > c3Before && c3After >= 2, "u1's list should move towards items 31-40: before " + before
        + ", after " + after);
    assertTrue(items(parquet(delta().resolve("recommendations")), "new1").size() > 0, "a new user gets a list");
  }

  @Order(4)
  @Test
  void theLoaderMergeOfTheRefreshDocSeesRefreshedListsForThoseUsersAndNightlyListsForTheRest() throws Exception {
    String merge = ReadmeQueriesTest.refreshMergeQuery(publication, delta());
    List<List<Object>> merged = duckdb("SELECT user_id, source FROM (" + merge + ") ORDER BY user_id");
    Map<String, String> source = new HashMap<>();
    merged.forEach(r -> source.put((String) r.get(0), (String) r.get(1)));
    assertEquals("refresh", source.get("u1"));
    assertEquals("refresh", source.get("new1"));
    assertFalse(source.containsKey("u2"), "a forgotten user is dropped");
    assertEquals(duckdbLong("SELECT count(*) FROM " + parquet(publication.resolve("recommendations"))),
        merged.size(), "every nightly user once, but u2 out and new1 in");
    assertEquals(duckdb("SELECT recs FROM " + parquet(publication.resolve("recommendations")) + " WHERE user_id = 'u5'")
        .toString(), duckdb("SELECT recs FROM (" + merge + ") WHERE user_id = 'u5'").toString(),
        "u5's event came after --as-of: the nightly list stays");
  }

  @Order(5)
  @Test
  void aSecondRefreshIsANewCompleteDeltaWithTheSameRowsAndOldDeltasArePruned() throws Exception {
    String first = parquet(delta().resolve("recommendations"));
    run.runOk("refresh", null, "--as-of", AS_OF, "--set", "recsys.input.deletions=deletions.csv");
    assertEquals("delta=2", delta().getFileName().toString());
    assertEquals(0, duckdbLong("SELECT count(*) FROM ((SELECT * FROM " + first + " EXCEPT ALL SELECT * FROM "
        + parquet(delta().resolve("recommendations")) + ") UNION ALL (SELECT * FROM " + parquet(delta()
        .resolve("recommendations")) + " EXCEPT ALL SELECT * FROM " + first + "))"), "same inputs, same delta");
    run.runOk("refresh", null, "--as-of", AS_OF, "--set", "recsys.input.deletions=deletions.csv");
    try (Stream<Path> names = Files.list(delta().getParent())) {
      assertEquals(List.of("LATEST", "delta=2", "delta=3"), names.map(p -> p.getFileName().toString())
          .filter(n -> !n.endsWith(".crc")).sorted().toList(), "the current delta and the one before it are kept");
    }
    assertFalse(Files.exists(run.out().resolve("_staging")), "no staging left");
    assertFalse(Files.exists(run.out().resolve("_lock")), "lock released");
  }

  @Order(6)
  @Test
  void anAsOfBeforeThePublicationsEndOrNotATimeIsAUsageError() {
    assertEquals(2, run.run("refresh", null, "--as-of", "2024-03-01T12:00:00Z"));
    assertEquals(2, run.run("refresh", null, "--as-of", "this morning"));
  }

  private static boolean inC3(String item) {
    int i = Integer.parseInt(item.substring(1));
    return i >= 31 && i <= 40;
  }

  private static List<String> items(String recommendations, String user) {
    List<String> items = new ArrayList<>();
    for (List<Object> r : duckdb("SELECT rec.item_id FROM (SELECT UNNEST(recs) AS rec FROM " + recommendations
        + " WHERE user_id = '" + user + "') ORDER BY rec.rank")) {
      items.add((String) r.get(0));
    }
    return items;
  }

  /** The user's strength per item from events.csv, before --as-of, exact duplicate rows counted once. */
  private Map<String, Double> strengths(String user) throws IOException {
    Set<String> rows = new LinkedHashSet<>(Files.readAllLines(run.in().resolve("events.csv")));
    Map<String, Double> s = new HashMap<>();
    for (String row : rows) {
      String[] f = row.split(",", -1);
      if (f[0].equals(user) && f[3].compareTo("2024-03-02 12:00:00") < 0) {
        s.merge(f[1], f[2].equals("rating") ? 1.0 : 0.5, Double::sum);
      }
    }
    return s;
  }

  /** The user's vector by {@link NaiveFoldIn}, item ids numbered in the order of {@code factors}. */
  private static double[] directSolve(Map<String, Double> strengths, Map<String, double[]> factors, double alpha,
      double lambda) {
    List<String> ids = new ArrayList<>(factors.keySet());
    float[][] y = new float[ids.size()][];
    Map<Integer, Integer> rowOfId = new HashMap<>();
    for (int i = 0; i < y.length; i++) {
      double[] v = factors.get(ids.get(i));
      y[i] = new float[v.length];
      for (int f = 0; f < v.length; f++) {
        y[i][f] = (float) v[f];
      }
      rowOfId.put(i, i);
    }
    List<String> items = new ArrayList<>(strengths.keySet());
    int[] userItems = items.stream().mapToInt(id -> ids.contains(id) ? ids.indexOf(id) : -1).toArray();
    double[] ratings = items.stream().mapToDouble(strengths::get).toArray();
    return NaiveFoldIn.solve(y, rowOfId, userItems, ratings, alpha, lambda);
  }

  private static double[] parse(String csv) {
    String[] parts = csv.split(",");
    double[] v = new double[parts.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = Double.parseDouble(parts[i].trim());
    }
    return v;
  }

  /** A digest of every file's path and bytes under {@code root}. */
  private static String digest(Path root) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
        md.update(root.relativize(p).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update(Files.readAllBytes(p));
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
