package io.recsysnightly.jobs;

import static io.recsysnightly.jobs.SampleRun.duckdbLong;
import static io.recsysnightly.jobs.SampleRun.parquet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.publish.RunLock;
import io.recsysnightly.report.StepReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Running it every night: the same date twice gives the same rows and id maps; status and rollback;
 * the gate against the last published run; the run lock; pruning old runs. One small output root, used in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsTest {
  private static final List<String> DATASETS = List.of("recommendations", "user_embeddings", "item_embeddings",
      "similar_items");

  @TempDir
  static Path dir;
  private SmallRun run;
  private String out;
  private String err;

  @BeforeAll
  void publishTheFirstNight() {
    run = new SmallRun(dir);
    run.runOk("nightly", SmallRun.D1);
  }

  @Order(1)
  @Test
  void theSameDateTwiceGivesIdenticalRowsAndIdMaps() throws IOException {
    Path idMaps = run.out().resolve("_work/state/id_maps");
    Path firstMaps = dir.resolve("id_maps_first");
    SampleRun.copyTree(idMaps, firstMaps);
    run.runOk("nightly", SmallRun.D1);
    assertEquals("dt=" + SmallRun.D1 + "_2", run.assertLatestComplete(), "a re-run is a new immutable directory");
    for (String dataset : DATASETS) {
      String a = parquet(run.out().resolve("dt=" + SmallRun.D1 + "/" + dataset));
      String b = parquet(run.out().resolve("dt=" + SmallRun.D1 + "_2/" + dataset));
      assertTrue(duckdbLong("SELECT count(*) FROM " + a) > 0, dataset);
      assertEquals(0, duckdbLong("SELECT count(*) FROM (SELECT * FROM " + a + " EXCEPT ALL SELECT * FROM " + b + ")"),
          dataset + ": rows of the first run missing from the re-run");
      assertEquals(0, duckdbLong("SELECT count(*) FROM (SELECT * FROM " + b + " EXCEPT ALL SELECT * FROM " + a + ")"),
          dataset + ": rows of the re-run not in the first run");
    }
    // The same inputs give the same factors: the model drift against the first run is nil.
    Map<?, ?> drift = (Map<?, ?>) StepReport.parseJson(Files.readString(run.out().resolve("dt=" + SmallRun.D1
        + "_2/manifest.json"))).get("model_drift");
    assertEquals(List.of(true, "dt=" + SmallRun.D1, 0.0), List.of(drift.get("checked"), drift.get("against"),
        drift.get("top10_changed_share")), drift.toString());
    for (String cosine : List.of("user_cosine_median", "item_cosine_median", "user_cosine_median_unaligned")) {
      assertEquals(1.0, ((Number) drift.get(cosine)).doubleValue(), 1e-6, cosine);
    }
    for (String entity : List.of("users", "items")) {
      String a = parquet(firstMaps.resolve(entity + "/dt=" + SmallRun.D1));
      String b = parquet(idMaps.resolve(entity + "/dt=" + SmallRun.D1));
      assertTrue(duckdbLong("SELECT count(*) FROM " + a) > 30, entity);
      assertEquals(0, duckdbLong("SELECT count(*) FROM ((SELECT * FROM " + a + " EXCEPT ALL SELECT * FROM " + b
          + ") UNION ALL (SELECT * FROM " + b + " EXCEPT ALL SELECT * FROM " + a + "))"), entity + " id map changed");
    }
  }

  @SuppressWarnings("unchecked")
  @Order(2)
  @Test
  void aRunFallingBelowTheLastPublishedOneIsRefusedAndForceIsRecorded() throws IOException {
    // D2 brings items new to three users, in the afternoon: after the refresh's as-of time of test 5.
    Files.writeString(run.in().resolve("events.csv"), "u1,i31,rating,2024-03-02 13:00:00,5\n"
        + "u1,i32,rating,2024-03-02 13:05:00,4\nu2,i1,rating,2024-03-02 14:00:00,5\n"
        + "u3,i5,rating,2024-03-02 15:00:00,3\n", StandardOpenOption.APPEND);
    for (String step : List.of("build-matrix", "train", "cold-start", "candidates", "rerank")) {
      run.runOk(step, SmallRun.D2);
    }
    Path metrics = run.out().resolve("_work/dt=" + SmallRun.D2 + "/metrics.json");
    Map<String, Object> m = StepReport.parseJson(Files.readString(metrics));
    // The forward check scored what LATEST served (dt=D1_2) against those new items (ForwardCheckTest checks
    // the metrics against DuckDB); here, that the nightly's train step runs it.
    Map<String, Object> forward = (Map<String, Object>) m.get("forward");
    assertEquals(List.of(true, "dt=" + SmallRun.D1 + "_2", 3L, 4L), List.of(forward.get("checked"),
        forward.get("publication"), ((Number) forward.get("users_active")).longValue(),
        ((Number) forward.get("new_pairs")).longValue()), forward.toString());
    Map<String, Object> als = (Map<String, Object>) m.get("als");
    double published = ((Number) als.get("ndcg@10")).doubleValue();
    als.put("ndcg@10", published * 0.5);
    Files.writeString(metrics, StepReport.toJson(m));
    Files.deleteIfExists(metrics.resolveSibling(".metrics.json.crc"));

    String before = run.latest();
    assertEquals(4, captured(() -> run.run("publish", SmallRun.D2)), err);
    assertTrue(err.contains("fell more than recsys.gate.max-metric-drop=0.1 below the published run's"), err);
    assertTrue(out.contains("gate refusal") && out.contains("fell more than"), "the summary gives the reason:\n" + out);
    assertEquals(before, run.latest(), "LATEST must not move");
    Map<String, Object> refused = StepReport.parseJson(Files.readString(
        run.out().resolve("_refused/dt=" + SmallRun.D2 + "/manifest.json")));
    Map<String, Object> gate = (Map<String, Object>) refused.get("gate");
    assertEquals(false, gate.get("passed"));
    assertTrue(((List<String>) gate.get("reasons")).get(0).contains("fell more than"), gate.toString());

    assertEquals(0, captured(() -> run.run("publish", SmallRun.D2, "--force")), err);
    assertEquals("dt=" + SmallRun.D2, run.assertLatestComplete());
    gate = (Map<String, Object>) StepReport.parseJson(Files.readString(
        run.out().resolve("dt=" + SmallRun.D2 + "/manifest.json"))).get("gate");
    assertEquals(List.of(false, true), List.of(gate.get("passed"), gate.get("forced")));
    String report = Files.readString(run.out().resolve("dt=" + SmallRun.D2 + "/report.html"));
    assertTrue(report.contains("Forward check: dt=" + SmallRun.D1 + "_2's lists"), "the run report has the forward check");
  }

  @Order(3)
  @Test
  void statusListsEveryRunAndRollbackMovesLatestToACompleteOne() throws IOException {
    assertEquals(0, captured(() -> run.run("status", null)), err);
    assertTrue(out.contains("dt=" + SmallRun.D1 + " ") && out.contains("dt=" + SmallRun.D1 + "_2")
        && out.contains("_refused/dt=" + SmallRun.D2), out);
    assertTrue(out.lines().anyMatch(l -> l.contains("dt=" + SmallRun.D2 + " ") && l.contains("gate refused, forced")
        && l.endsWith("<- LATEST")), out);
    assertTrue(out.contains("ndcg@10 als "), out);
    assertTrue(out.lines().anyMatch(l -> l.contains("dt=" + SmallRun.D2 + " ") && l.contains("forward ndcg@10 of dt="
        + SmallRun.D1 + "_2 ")), "status shows the forward check:\n" + out);
    // The table of the last nights: D2's row carries its manifest's forward NDCG and the day's event volume
    // (the four events appended for D2); the re-run of D1 its nil model drift against D1.
    List<String> table = out.lines().dropWhile(l -> !l.contains("the last 4 of 4 publications")).skip(1).toList();
    assertEquals(List.of("night", "holdout", "ndcg@10", "forward", "ndcg@10"), List.of(table.get(0).trim()
        .split("\\s+")).subList(0, 5), out);
    Map<?, ?> d2 = (Map<?, ?>) ((Map<?, ?>) StepReport.parseJson(Files.readString(run.out().resolve("dt="
        + SmallRun.D2 + "/manifest.json"))).get("metrics")).get("forward");
    String forwardNdcg = String.format(java.util.Locale.ROOT, "%.4f", ((Number) ((Map<?, ?>) ((Map<?, ?>) d2.get(
        "personal")).get("published")).get("ndcg@10")).doubleValue());
    assertTrue(table.stream().anyMatch(l -> l.trim().startsWith("dt=" + SmallRun.D2 + " ") && l.contains(" "
        + forwardNdcg + " ") && l.matches(".* 4 +0\\.0% .*refused, forced$")), forwardNdcg + "\n" + out);
    assertTrue(table.stream().anyMatch(l -> l.trim().startsWith("dt=" + SmallRun.D1 + "_2 ")
        && l.matches(".* 0\\.0% +1\\.000 +passed$")), out);
    assertTrue(out.contains("lock") && out.contains("free"), out);

    assertEquals(0, captured(() -> run.run("rollback", null, "--to", SmallRun.D1)), err);
    assertEquals("dt=" + SmallRun.D1 + "_2", run.assertLatestComplete(), "a date means its newest complete run");
    assertEquals(0, captured(() -> run.run("rollback", null, "--to", "dt=" + SmallRun.D1)), err);
    assertEquals("dt=" + SmallRun.D1, run.assertLatestComplete());

    // An incomplete run (killed before _SUCCESS) and a missing one are refused; LATEST stays.
    Path broken = run.out().resolve("dt=2024-02-20");
    SampleRun.copyTree(run.out().resolve("dt=" + SmallRun.D1), broken);
    Files.delete(broken.resolve("_SUCCESS"));
    assertEquals(2, captured(() -> run.run("rollback", null, "--to", "dt=2024-02-20")));
    assertTrue(err.contains("is incomplete (no _SUCCESS or no manifest.json)"), err);
    assertEquals(2, captured(() -> run.run("rollback", null, "--to", "2024-02-20")));
    assertTrue(err.contains("no complete publication of 2024-02-20"), err);
    assertEquals(2, captured(() -> run.run("rollback", null)));
    assertTrue(err.contains("rollback needs --to"), err);
    assertEquals("dt=" + SmallRun.D1, run.latest());
    assertEquals(0, captured(() -> run.run("status", null)), err);
    assertTrue(out.lines().anyMatch(l -> l.contains("dt=2024-02-20") && l.contains("INCOMPLETE")), out);
  }

  @Order(4)
  @Test
  void aLiveLockRefusesAStaleOneIsTakenOver() throws Exception {
    Path lock = run.out().resolve(RunLock.FILE);
    String host = InetAddress.getLocalHost().getHostName();
    // Held by a live process (this JVM) that started a minute ago: refused with exit 5, owner named.
    Files.writeString(lock, lockText(host, ProcessHandle.current().pid(), Instant.now().minus(1, ChronoUnit.MINUTES)));
    String before = run.latest();
    assertEquals(5, captured(() -> run.run("rollback", null, "--to", "dt=" + SmallRun.D2)));
    assertTrue(err.contains("Another run holds the lock " + lock) && err.contains("\"pid\" : "
        + ProcessHandle.current().pid()) && err.contains("started_at"), err);
    assertEquals(before, run.latest());
    // Also from another host, while younger than recsys.lock.max-age-hours.
    Files.writeString(lock, lockText("some-other-host", 1, Instant.now().minus(2, ChronoUnit.HOURS)));
    assertEquals(5, captured(() -> run.run("publish", SmallRun.D2)));
    assertTrue(err.contains("some-other-host"), err);

    // Dead process on this host: taken over at once, the run goes on, the lock is gone after.
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.writeString(lock, lockText(host, gone.pid(), Instant.now()));
    assertEquals(0, captured(() -> run.run("rollback", null, "--to", "dt=" + SmallRun.D2)), err);
    assertTrue(err.contains("took over the stale lock") && err.contains("process " + gone.pid()), err);
    assertFalse(Files.exists(lock), "the lock is released at the end");
    // Another host, older than the maximum age: taken over.
    Files.writeString(lock, lockText("some-other-host", 1, Instant.now().minus(30, ChronoUnit.HOURS)));
    assertEquals(0, captured(() -> run.run("rollback", null, "--to", "dt=" + SmallRun.D1)), err);
    assertTrue(err.contains("older than 1440 minutes"), err);
    assertFalse(Files.exists(lock));
  }

  @Order(5)
  @Test
  void pruneKeepsTheNewestAndLatestAndWhatARerunOfTheOldestKeptDateNeeds() throws IOException {
    Path root = run.out();
    Path work = root.resolve("_work");
    String d1 = "dt=" + SmallRun.D1;
    String d2 = "dt=" + SmallRun.D2;
    // Nothing happened since dt=D1 (LATEST): the refresh publishes an empty delta, complete and named all the same.
    assertEquals(0, captured(() -> run.run("refresh", null, "--as-of", "2024-03-02T12:00:00Z")), err);
    Path delta = root.resolve("refresh/" + d1 + "/delta=1");
    assertTrue(Files.exists(delta.resolve("_SUCCESS")), out);
    assertEquals(0, duckdbLong("SELECT count(*) FROM " + parquet(delta.resolve("recommendations"))));

    List<String> all = List.of("dt=2024-02-20", d1, d1 + "_2", d2);
    assertEquals(all, names(root));
    assertEquals(0, captured(() -> run.run("prune", null, "--dry-run", "--set", "recsys.retention.keep-publications=1")),
        err);
    assertTrue(out.contains("would remove 1") && out.contains("dt=2024-02-20"), out);
    assertEquals(all, names(root), "--dry-run removes nothing");

    // Keeping 1 keeps the newest (dt=D2) and LATEST (dt=D1), and everything after the older of them.
    assertEquals(0, captured(() -> run.run("prune", null, "--set", "recsys.retention.keep-publications=1")), err);
    assertEquals(List.of(d1, d1 + "_2", d2), names(root), "only the incomplete run before LATEST goes");
    assertTrue(Files.exists(delta));

    assertEquals(0, captured(() -> run.run("rollback", null, "--to", d2)), err);
    Path mapsBefore = dir.resolve("id_maps_before_prune");
    SampleRun.copyTree(work.resolve("state/id_maps"), mapsBefore);
    assertEquals(0, captured(() -> run.run("prune", null, "--set", "recsys.retention.keep-publications=1")), err);
    assertEquals(List.of(d2), names(root));
    assertFalse(Files.exists(root.resolve("refresh/" + d1)), "a pruned publication's deltas go with it");
    assertTrue(Files.isDirectory(root.resolve("_refused/" + d2)), "a refused run of a kept date stays");
    assertEquals(List.of(d2), names(work));
    // A re-run of D2 extends the newest id-map version before D2, so D1's stays; and gives the same maps.
    assertEquals(List.of(d1, d2), names(work.resolve("state/id_maps/users")));
    assertEquals(List.of(d1, d2), names(work.resolve("state/id_maps/items")));
    run.runOk("build-matrix", SmallRun.D2);
    for (String entity : List.of("users", "items")) {
      String a = parquet(mapsBefore.resolve(entity + "/" + d2));
      String b = parquet(work.resolve("state/id_maps/" + entity + "/" + d2));
      assertEquals(0, duckdbLong("SELECT count(*) FROM ((SELECT * FROM " + a + " EXCEPT ALL SELECT * FROM " + b
          + ") UNION ALL (SELECT * FROM " + b + " EXCEPT ALL SELECT * FROM " + a + "))"), entity);
    }
    assertEquals(d2, run.assertLatestComplete());
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("dt=")).sorted().toList();
    }
  }

  private static String lockText(String host, long pid, Instant started) {
    return StepReport.toJson(Map.of("host", host, "pid", pid, "started_at", started.toString(), "run", "nightly"));
  }

  private int captured(IntSupplier command) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      return command.getAsInt();
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
      out = o.toString(StandardCharsets.UTF_8);
      err = e.toString(StandardCharsets.UTF_8);
    }
  }
}
