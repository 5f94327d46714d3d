package io.recsysnightly.rerank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.als.TrainAls;
import io.recsysnightly.coldstart.ColdStart;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.knn.Candidates;
import io.recsysnightly.matrix.BuildMatrix;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.testing.TestInputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rerank step on a small run with every rule on: the written lists obey the rules, the report adds up. */
class RerankStepTest {
  private static final String DATE = "2020-01-10";

  @TempDir
  static Path dir;
  private static RunContext ctx;
  private static StepReport report;
  private static StepReport candidatesReport;
  private static Map<Integer, String> category;
  private static Map<Integer, String> itemId;
  private static Set<Integer> unavailable;
  private static Set<Integer> blocked;
  private static Map<Integer, Set<Integer>> interacted;
  private static List<Row> lists;

  @BeforeAll
  static void run() {
    List<String> events = new ArrayList<>();
    Random rnd = new Random(3);
    for (int u = 0; u < 40; u++) {
      for (int k = 0; k < 8; k++) {
        events.add(String.format("u%02d,i%02d,rating,2020-01-0%d 10:00:00,", u, rnd.nextInt(40), 1 + rnd.nextInt(9)));
      }
    }
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      items.add(String.format("i%02d,c%d,2019-%02d-01 00:00:00,%s", i, i % 4, 1 + i % 12, i == 5 ? "false" : "true"));
    }
    TestInputs in = new TestInputs(dir).events(events.toArray(new String[0]))
        .file("recsys.input.items", "items.csv", "item_id,category,created_ts,available", items.toArray(new String[0]))
        .file("recsys.input.users", "users.csv", "user_id,segment", "u00,s0", "cold,s0")
        .file("recsys.input.blocklist", "blocklist.csv", "item_id", "i07", "i11", "i13")
        .set("recsys.als.rank", "4").set("recsys.als.max-iter", "5").set("recsys.eval.enabled", "false")
        .set("recsys.tune.nightly", "false")
        .set("recsys.candidates.n", "25").set("recsys.publish.list-size", "6")
        .set("recsys.rerank.mmr-lambda", "0.7").set("recsys.rerank.category-cap", "2")
        .set("recsys.rerank.freshness-weight", "0.1").set("recsys.rerank.popularity-beta", "0.05")
        .set("recsys.rerank.blocklist-fpp", "0.2");
    ctx = in.context(DATE);
    new BuildMatrix(ctx).execute();
    new TrainAls(ctx).execute();
    new ColdStart(ctx).execute();
    candidatesReport = new Candidates(ctx).execute();
    report = new Rerank(ctx).execute();

    category = new HashMap<>();
    itemId = new HashMap<>();
    unavailable = new HashSet<>();
    for (Row r : ctx.read(ctx.paths().itemTable()).select("item_idx", "category", "item_id", "available")
        .collectAsList()) {
      category.put(r.getInt(0), r.getString(1));
      itemId.put(r.getInt(0), r.getString(2));
      if (!r.getBoolean(3)) {
        unavailable.add(r.getInt(0));
      }
    }
    blocked = new HashSet<>();
    ctx.read(ctx.paths().blockedItems()).select("item_idx").collectAsList().forEach(r -> blocked.add(r.getInt(0)));
    interacted = new HashMap<>();
    for (Row r : ctx.read(ctx.paths().matrixAll()).select("user_idx", "item_idx").collectAsList()) {
      interacted.computeIfAbsent(r.getInt(0), u -> new HashSet<>()).add(r.getInt(1));
    }
    lists = ctx.read(ctx.paths().rerankedLists()).collectAsList();
  }

  @Test
  void listsObeyTheRules() {
    assertEquals(3, blocked.size());
    assertEquals(1, unavailable.size());
    assertEquals(41, lists.size(), "every user with a vector: 40 with events and one cold");
    for (Row list : lists) {
      List<Row> recs = list.getList(1);
      assertTrue(recs.size() <= 6 && !recs.isEmpty(), "list of " + recs.size());
      Map<String, Integer> perCategory = new HashMap<>();
      float previous = Float.POSITIVE_INFINITY;
      for (int i = 0; i < recs.size(); i++) {
        Row e = recs.get(i);
        int item = e.getInt(0);
        assertTrue(!blocked.contains(item), "blocked item " + item);
        assertTrue(!unavailable.contains(item), "unavailable item " + item);
        assertTrue(perCategory.merge(category.get(item), 1, Integer::sum) <= 2, "category cap");
        assertTrue(e.getFloat(1) <= previous, "scores non-increasing");
        previous = e.getFloat(1);
        assertEquals(i + 1, e.getInt(2));
        Set<Integer> own = interacted.getOrDefault(list.getInt(0), Set.of());
        String reason = e.getString(3);
        if (own.isEmpty()) {
          assertEquals(ListReranker.POPULAR_IN + category.get(item), reason);
        } else {
          assertTrue(reason.startsWith(ListReranker.BECAUSE), reason);
          String named = reason.substring(ListReranker.BECAUSE.length());
          assertTrue(own.stream().anyMatch(j -> named.equals(itemId.get(j))),
              reason + " names an item the user never interacted with");
        }
      }
    }
  }

  @Test
  void candidatesTimeTheKernelsRoofOnTheirOwnQueries() {
    // Fewer queries than RoofProbe's sample: the roof is timed on all of them, in local mode on its 2 threads.
    long users = candidatesReport.countOf("users scored");
    long items = candidatesReport.countOf("items scorable");
    String userLine = (String) candidatesReport.metrics().get("user candidates against the roof");
    String itemLine = (String) candidatesReport.metrics().get("similar items against the roof");
    assertTrue(userLine.matches("\\d+\\.\\d\\dx the roof \\(\\d+\\.\\d\\d s: the kernel alone on 2 threads, timed on "
        + users + " of " + users + " queries and scaled\\)"), userLine);
    assertTrue(itemLine.contains("timed on " + items + " of " + items + " queries"), itemLine);
    assertTrue(candidatesReport.timings().containsKey("roof timing"), "the probe's own time is a phase of its own");
  }

  @Test
  void theReportedFalsePositivesAreTheFiltersOnTheCandidates() {
    BlocklistFilter filter = BlocklistFilter.build(ctx.read(ctx.paths().blockedItems()).select("item_idx"), 0.2);
    Set<Integer> clean = new HashSet<>();
    long entriesDropped = 0;
    for (Row r : ctx.read(ctx.paths().candidates()).collectAsList()) {
      for (Row e : r.<Row>getList(1)) {
        int item = e.getInt(0);
        if (!blocked.contains(item)) {
          clean.add(item);
          entriesDropped += filter.mightBlock(item) ? 1 : 0;
        }
      }
    }
    long falsePositives = clean.stream().filter(filter::mightBlock).count();
    assertEquals(clean.size(), report.countOf("candidate items not blocklisted"));
    assertEquals(falsePositives, report.countOf("of which the filter drops by mistake"));
    assertEquals(entriesDropped, report.countOf("candidate entries dropped by mistake"));
    assertEquals((double) falsePositives / clean.size(),
        (Double) report.metrics().get("Bloom filter false-positive rate, measured"), 1e-12);
  }
}
